package dev.hone.transformer.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hone.autograd.CrossEntropyFn;
import dev.hone.autograd.Diff;
import dev.hone.autograd.Tape;
import dev.hone.autograd.nn.Parameter;
import dev.hone.autograd.optim.AdamW;
import dev.hone.autograd.optim.GradientClipping;
import dev.hone.autograd.optim.LearningRateSchedule;
import dev.hone.tensor.Scope;
import dev.hone.tensor.Tensor;
import dev.hone.transformer.data.Batch;
import dev.hone.transformer.data.BatchCursor;
import dev.hone.transformer.data.SftData;
import dev.hone.transformer.data.ShuffledBatches;
import dev.hone.transformer.model.LlamaModel;
import dev.hone.transformer.train.Perplexity;
import dev.hone.transformer.train.RunDirectory;
import dev.hone.transformer.train.TrainingSummary;
import dev.hone.transformer.train.checkpoint.CheckpointStore;
import dev.hone.transformer.train.checkpoint.OptimizerState;
import dev.hone.transformer.train.checkpoint.SchedulerState;
import dev.hone.transformer.train.checkpoint.TrainerState;
import dev.hone.transformer.train.config.ResumeFrom;
import dev.hone.transformer.train.metrics.LossCurveWriter;
import dev.hone.transformer.train.metrics.MetricsLogger;
import dev.hone.transformer.train.metrics.MetricsRow;
import dev.hone.transformer.train.monitor.EarlyStopping;
import dev.hone.transformer.train.monitor.NonFiniteLossGuard;
import dev.hone.transformer.train.monitor.OverfitDetector;
import dev.hone.transformer.train.monitor.PeakMemory;
import dev.hone.transformer.train.monitor.ProgressReporter;
import dev.hone.transformer.train.monitor.StepProgress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * One {@link Trainer#fit} call: data, adapter, starting evaluation, the optimizer-step loop, checkpoints and the
 * final outputs. The step loop is deterministic given the settings: batches come from the data's seeded
 * {@link ShuffledBatches}, LoRA dropout masks from the global micro-batch index, and everything that changes
 * from step to step (weights, AdamW moments, data cursor, micro-batch counter, early-stopping and overfitting
 * state, metrics) is in each checkpoint, so a resumed run computes bit-identical losses.
 *
 * <p>Loss normalisation: a step's micro-batches are drawn first; with N their scored tokens in total, each
 * micro-batch contributes (sum of its token losses) / N, so the step's gradient is that of the mean over all N.
 */
final class TrainingRun {
    private static final String DROPOUT_STREAM = "dropout";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Trainer.Settings s;
    private final Consumer<String> warnings;

    TrainingRun(Trainer.Settings settings) {
        this.s = settings;
        this.warnings = line -> settings.out().println(line.startsWith("warning") ? line : "warning: " + line);
    }

    FitResult fit() {
        RunDirectory run = RunDirectory.create(s.outputDir());
        if (s.resumeFrom() instanceof ResumeFrom.Fresh) EarlierRun.clearOrRefuse(run, s.overwriteOutputDir(), warnings);
        s.effectiveConfig().ifPresent(run::writeEffectiveConfig);
        LlamaModel model = s.model();
        model.setActivationCheckpointing(s.activationCheckpointing());
        SftData data = SftData.prepare(s.data(), s.tokenizer(), s.template(), warnings);
        s.out().println(data.stats().summary());
        Optional<ReplyAccuracy> replies = s.labelKey().flatMap(key -> ReplyAccuracy.of(data.train(), s.tokenizer(), s.template(), key));
        replies.ifPresent(r -> s.out().println("label accuracy on '" + s.labelKey().get() + "': " + r.labelCount() + " labels, "
                + (ReplyAccuracy.oneReplyPerLabel(data.train(), s.labelKey().get()) ? "each with exactly one canonical reply"
                : "some with several replies (the most frequent is canonical)")));
        Optional<Evaluator.TextSlice> forgetting = s.forgettingText().map(f -> Evaluator.TextSlice.of(f, s.tokenizer(), s.forgettingTokens(),
                Math.min(256, model.config().maxPositionEmbeddings() - 1)));

        AdaptedModel adapted = AdaptedModel.prepare(model, s.adapter(), s.lora(), s.startAdapter(), s.quantSpec(), s.seed());
        s.startAdapter().ifPresent(dir -> s.out().println("going on training the adapter in " + dir
                + " (its adapter_config.json sets r, alpha and the target modules)"));
        adapted.quantization().ifPresent(q -> s.out().println(q.summary()));
        s.out().println(adapted.describe() + ": " + adapted.trainableParametersLine());
        s.out().println("memory estimate for one training step (micro-batch " + s.microBatchSize() + " x " + s.data().sequenceLen() + " tokens):");
        s.out().println(adapted.memoryEstimate(s.microBatchSize(), s.data().sequenceLen()).report());

        Optional<ModelEvaluation> before = Optional.empty();
        if (s.baseEvaluation() == Trainer.BaseEvaluation.BEFORE_AND_AFTER) {
            before = Optional.of(evaluate(adapted, data, replies, forgetting));
            print("before training", before.get());
        }

        Map<String, Parameter> trainable = adapted.trainableParameters();
        AdamW optimizer = new AdamW(trainable, s.adamW());
        ShuffledBatches batches = data.trainBatches(s.microBatchSize());
        long stepsPerEpoch = s.stepsPerEpoch(batches.batchesPerEpoch());
        long total = s.totalSteps(batches.batchesPerEpoch());
        long warmup = s.warmupSteps().orElse((long) Math.ceil(s.warmupRatio() * total));
        LearningRateSchedule schedule = switch (s.scheduler()) {
            case COSINE -> new LearningRateSchedule.CosineWithWarmup(s.learningRate(), warmup, total);
            case LINEAR -> new LearningRateSchedule.LinearWithWarmup(s.learningRate(), warmup, total);
            case CONSTANT -> warmup == 0 ? new LearningRateSchedule.Constant(s.learningRate())
                    : new LearningRateSchedule.CosineWithWarmup(s.learningRate(), warmup, total, 0.0);
        };

        CheckpointStore store = new CheckpointStore(run.checkpoints(), s.saveTotalLimit(), warnings);
        Optional<CheckpointStore.Loaded> resumed = store.resume(s.resumeFrom());
        TrainerState state;
        MetricsLogger metrics;
        if (resumed.isPresent()) {
            CheckpointStore.Loaded loaded = resumed.get();
            adapted.restoreFrom(loaded.checkpoint().directory());
            OptimizerState.restoreInto(loaded.optimizerFile(), optimizer);
            state = loaded.state();
            schedule = loaded.scheduler().toSchedule();
            if (state.globalStep() > total) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "max_steps %d is below step %d of %s, the "
                        + "checkpoint to resume from: nothing left to train (give max_steps >= %d, or start a fresh run)", total,
                        state.globalStep(), loaded.checkpoint().directory(), state.globalStep()));
            }
            if (state.maxSteps() != total) {
                warnings.accept(String.format(java.util.Locale.ROOT, "max_steps is %d now and was %d when %s was saved: training runs to "
                        + "step %d, and the learning-rate schedule is recomputed for %d steps from here on (as transformers' Trainer "
                        + "does), so the curve will differ from an uninterrupted %d-step run", total, state.maxSteps(),
                        loaded.checkpoint().directory().getFileName(), total, total, total));
                state = state.withMaxSteps(total);
                schedule = loaded.scheduler().withTotalSteps(total).toSchedule();
            }
            batches = data.resumeTrainBatches(s.microBatchSize(), JSON.convertValue(state.dataState(), BatchCursor.class));
            metrics = MetricsLogger.resume(run.metricsCsv(), run.metricsJsonl(), state.globalStep(), warnings);
            s.out().println("resumed from " + loaded.checkpoint().directory() + " at step " + state.globalStep() + " of " + total);
        } else {
            state = TrainerState.initial(total, s.seed());
            metrics = MetricsLogger.start(run.metricsCsv(), run.metricsJsonl());
        }
        long firstStep = state.globalStep() + 1;
        List<Double> stepLosses = new ArrayList<>();
        PeakMemory peak = new PeakMemory(() -> Scope.current().backend().memoryStats());
        NonFiniteLossGuard guard = new NonFiniteLossGuard(() -> store.latest().map(CheckpointStore.Checkpoint::directory));
        Optional<EarlyStopping> early = s.earlyStoppingPatience().isPresent()
                ? Optional.of(new EarlyStopping(s.earlyStoppingPatience().getAsInt(), s.earlyStoppingThreshold(), state.earlyStopping()))
                : Optional.empty();
        OverfitDetector overfit = new OverfitDetector(2, state.overfit());
        TrainingSummary.StopReason stopReason = TrainingSummary.StopReason.COMPLETED;
        long microStep = state.rng().counter(DROPOUT_STREAM);
        double trainLossSinceEval = 0;
        int stepsSinceEval = 0;
        double lastEvalLoss = Double.NaN;
        long loggedTokens = 0;
        long logStart = System.nanoTime();

        try (ProgressReporter progress = Trainer.progress(s, total, state.globalStep())) {
            while (state.globalStep() < total) {
                long step = state.globalStep() + 1;
                long started = System.nanoTime();
                List<Batch> micro = drawStep(batches);
                long scored = 0, tokens = 0;
                for (Batch b : micro) {
                    scored += b.trainableTokens();
                    tokens += (long) b.batchSize() * b.seqLen();
                }
                double lossSum = 0;
                double gradNorm;
                adapted.train();
                try (Scope stepScope = Scope.open()) {
                    double normaliser = Math.max(1, scored);
                    for (Batch b : micro) {
                        adapted.setDropoutStep(microStep++);
                        try (Scope microScope = Scope.open(); Tape tape = Tape.open()) {
                            BatchTensors t = BatchTensors.of(b);
                            Tensor sum = model.loss(t.input(), t.labels(), CrossEntropyFn.Reduction.SUM);   // []
                            double value = sum.item();
                            guard.checkLoss(step, value);
                            lossSum += value;
                            tape.backward(Diff.mul(sum, 1.0 / normaliser));
                        }
                    }
                    try {
                        gradNorm = GradientClipping.clipGradNorm(trainable, s.maxGradNorm() > 0 ? s.maxGradNorm() : Double.MAX_VALUE, step);
                    } catch (IllegalStateException e) {
                        throw guard.nonFiniteGradient(step, e);
                    }
                    guard.checkGradNorm(step, gradNorm);
                    double lr = schedule.at(state.globalStep());
                    optimizer.step(lr);
                    model.zeroGrad();
                    double stepLoss = lossSum / normaliser;
                    guard.checkLoss(step, stepLoss);
                    stepLosses.add(stepLoss);
                    peak.sample();
                    double seconds = (System.nanoTime() - started) / 1e9;
                    loggedTokens += tokens;
                    double tokensPerSecond = tokens / Math.max(seconds, 1e-9);
                    double epoch = (double) step / stepsPerEpoch;
                    state = new TrainerState(step, epoch, total, JSON.valueToTree(batches.cursor()), state.bestEvalLoss(), state.bestCheckpoint(),
                            state.logHistory(), state.rng().with(DROPOUT_STREAM, microStep), state.earlyStopping(), state.overfit(),
                            state.tokensSeen() + tokens, state.trainingSeconds() + seconds);
                    trainLossSinceEval += stepLoss;
                    stepsSinceEval++;
                    if (step % s.loggingSteps() == 0 || step == total) {
                        double interval = (System.nanoTime() - logStart) / 1e9;
                        metrics.log(MetricsRow.train(step, epoch, stepLoss, lr, gradNorm, loggedTokens / Math.max(interval, 1e-9)));
                        loggedTokens = 0;
                        logStart = System.nanoTime();
                    }
                    progress.update(new StepProgress(step, total, stepLoss, lr, tokensPerSecond));
                }

                boolean last = step == total;
                boolean evalDue = last || (s.evalSteps() > 0 ? step % s.evalSteps() == 0 : step % stepsPerEpoch == 0);
                boolean stop = false;
                if (evalDue) {
                    adapted.eval();
                    lastEvalLoss = Evaluator.meanLoss(model, data.validationBatches(s.microBatchSize()));
                    double epoch = state.epoch();
                    metrics.log(MetricsRow.eval(step, epoch, lastEvalLoss, OptionalDouble.empty()));
                    progress.message(String.format(java.util.Locale.ROOT, "step %d: eval loss %.4f (perplexity %s)", step, lastEvalLoss,
                            Perplexity.ofLoss(lastEvalLoss)));
                    if (Double.isFinite(lastEvalLoss)) {
                        double meanTrain = trainLossSinceEval / Math.max(1, stepsSinceEval);
                        overfit.observe(step, meanTrain, lastEvalLoss).ifPresent(progress::message);
                        if (early.isPresent() && early.get().observe(lastEvalLoss) == EarlyStopping.Verdict.STOP) {
                            progress.message("early stopping at step " + step + ": " + early.get().describeStop());
                            stopReason = TrainingSummary.StopReason.EARLY_STOPPING;
                            stop = true;
                        }
                        if (state.bestEvalLoss().isEmpty() || lastEvalLoss < state.bestEvalLoss().getAsDouble()) {
                            state = withBest(state, lastEvalLoss, Optional.empty());
                        }
                    }
                    trainLossSinceEval = 0;
                    stepsSinceEval = 0;
                    state = withMonitors(state, early.map(EarlyStopping::state).orElse(state.earlyStopping()), overfit.state(), metrics.rows());
                }
                state = withMonitors(state, state.earlyStopping(), state.overfit(), metrics.rows());
                if (last || stop || (s.saveSteps() > 0 && step % s.saveSteps() == 0)) {
                    String name = store.checkpointDirectory(step).getFileName().toString();
                    if (evalDue && state.bestEvalLoss().isPresent() && state.bestEvalLoss().getAsDouble() == lastEvalLoss) {
                        state = withBest(state, lastEvalLoss, Optional.of(name));
                    }
                    save(store, state, schedule, optimizer, adapted);
                }
                if (stop) break;
            }
        } finally {
            metrics.close();
        }

        adapted.eval();
        ModelEvaluation after = evaluate(adapted, data, replies, forgetting);
        print("after training", after);
        try {
            adapted.saveTo(run.adapter());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("fine-tuning: cannot write the adapter to " + run.adapter() + ": " + e, e);
        }
        LossCurveWriter.writeOrExplain(metrics.rows(), run.lossCurvePng(), 900, 500)
                .ifPresent(why -> s.out().println("warning: " + why + "; the same numbers are in " + run.metricsCsv()));
        TrainingSummary summary = new TrainingSummary(before.map(TrainingRun::summaryEvaluation), Optional.of(summaryEvaluation(after)),
                before.map(ModelEvaluation::forgettingPerplexity).orElse(OptionalDouble.empty()), after.forgettingPerplexity(),
                state.globalStep(), state.tokensSeen(), Duration.ofNanos((long) (state.trainingSeconds() * 1e9)), stopReason, peak.report(),
                run.root());
        summary.write(run);
        EvaluationReport.write(run.root().resolve(EvaluationReport.FILE), before, after);
        s.out().print(summary.toText());
        s.out().print(EvaluationReport.comparison(before, after));
        return new FitResult(summary, before, after, firstStep, stepLosses, data.stats(), run.adapter());
    }

    /** The micro-batches of one optimizer step: up to gradient_accumulation_steps, never crossing an epoch's end. */
    private List<Batch> drawStep(ShuffledBatches batches) {
        List<Batch> micro = new ArrayList<>();
        int epoch = batches.epoch();
        micro.add(batches.next());
        while (micro.size() < s.gradientAccumulationSteps() && batches.epoch() == epoch) micro.add(batches.next());
        return micro;
    }

    private void save(CheckpointStore store, TrainerState state, LearningRateSchedule schedule, AdamW optimizer, AdaptedModel adapted) {
        store.save(state, SchedulerState.of(schedule, state.globalStep()), OptimizerState.of(optimizer), s.payloadDecorator().apply(adapted::saveTo));
    }

    private ModelEvaluation evaluate(AdaptedModel adapted, SftData data, Optional<ReplyAccuracy> replies, Optional<Evaluator.TextSlice> forgetting) {
        adapted.eval();
        LlamaModel model = adapted.model();
        double loss = Evaluator.meanLoss(model, data.validationBatches(s.microBatchSize()));
        OptionalDouble exact = OptionalDouble.empty(), label = OptionalDouble.empty();
        int answered = 0;
        List<String> samples = new ArrayList<>();
        if (replies.isPresent() && s.accuracyExamples() > 0) {
            ReplyAccuracy.Scores scores = replies.get().score(model, data.validation(), s.accuracyExamples());
            answered = scores.samples().size();
            if (answered > 0) {
                exact = OptionalDouble.of(scores.exactMatch());
                label = OptionalDouble.of(scores.labelAccuracy());
            }
            for (ReplyAccuracy.Sample sample : scores.samples().subList(0, Math.min(s.sampleGenerations(), answered))) {
                samples.add("[" + sample.label().orElse("?") + "] " + sample.prompt() + "\n    -> " + sample.generated()
                        + "\n    (predicted label: " + sample.predictedLabel().orElse("none") + ")");
            }
        } else if (s.sampleGenerations() > 0) {
            samples.addAll(SampleGenerations.of(model, s.tokenizer(), s.template(), data.validation(), s.sampleGenerations()));
        }
        OptionalDouble forgettingPpl = forgetting.map(f -> OptionalDouble.of(Evaluator.perplexity(model, f))).orElse(OptionalDouble.empty());
        return new ModelEvaluation(loss, exact, label, answered, forgettingPpl, samples);
    }

    private void print(String when, ModelEvaluation e) {
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT, "%s: validation loss %.4f, perplexity %s", when, e.loss(),
                Perplexity.format(e.perplexity())));
        if (e.exactMatch().isPresent()) {
            sb.append(String.format(java.util.Locale.ROOT, ", exact match %.1f%%, label accuracy %.1f%% (%d prompts)", 100 * e.exactMatch().getAsDouble(),
                    100 * e.labelAccuracy().getAsDouble(), e.answered()));
        }
        e.forgettingPerplexity().ifPresent(p -> sb.append(String.format(java.util.Locale.ROOT, ", forgetting-check perplexity %s", Perplexity.format(p))));
        s.out().println(sb);
        for (String sample : e.samples()) s.out().println("  " + sample);
    }

    private static TrainingSummary.Evaluation summaryEvaluation(ModelEvaluation e) {
        return new TrainingSummary.Evaluation(e.loss(), e.exactMatch(), e.labelAccuracy());
    }

    private static TrainerState withBest(TrainerState t, double best, Optional<String> checkpoint) {
        return new TrainerState(t.globalStep(), t.epoch(), t.maxSteps(), t.dataState(), OptionalDouble.of(best),
                checkpoint.isPresent() ? checkpoint : t.bestCheckpoint(), t.logHistory(), t.rng(), t.earlyStopping(), t.overfit(), t.tokensSeen(),
                t.trainingSeconds());
    }

    private static TrainerState withMonitors(TrainerState t, EarlyStopping.State early, OverfitDetector.State overfit, List<MetricsRow> history) {
        return new TrainerState(t.globalStep(), t.epoch(), t.maxSteps(), t.dataState(), t.bestEvalLoss(), t.bestCheckpoint(), history, t.rng(),
                early, overfit, t.tokensSeen(), t.trainingSeconds());
    }
}
