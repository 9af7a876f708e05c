package dev.hone.cuda;

import dev.hone.cuda.kernel.KernelArg;
import dev.hone.cuda.kernel.LaunchConfig;
import dev.hone.tensor.Shape;
import dev.hone.tensor.Storage;
import dev.hone.tensor.Tensor;
import dev.hone.tensor.spi.BinaryOp;
import dev.hone.tensor.spi.FusedOps;
import dev.hone.tensor.spi.RopeStyle;

import java.util.ArrayList;
import java.util.List;

import static dev.hone.cuda.DeviceViews.first;
import static dev.hone.cuda.DeviceViews.requireContiguous;
import static dev.hone.cuda.DeviceViews.requireDtype;
import static dev.hone.cuda.DeviceViews.suffix;
import static dev.hone.tensor.DType.BF16;
import static dev.hone.tensor.DType.F32;
import static dev.hone.tensor.DType.I32;
import static dev.hone.tensor.DType.I64;

/**
 * The CUDA backend's fused kernels (softmax.cu, cross_entropy.cu, rmsnorm.cu, swiglu.cu, rope.cu,
 * attention.cu, adamw.cu). Activations are F32 or BF16. Inputs may be any views (non-contiguous ones are
 * copied to contiguous temporaries first); outputs must be contiguous, except attention's out, dq, dk and
 * dv and AdamW's in-place state, which are computed into temporaries and written back. Row kernels run one block per row.
 */
final class CudaFusedOps implements FusedOps {
    private static final int ROW_THREADS = 256;

    private final CudaBackend backend;

    CudaFusedOps(CudaBackend backend) { this.backend = backend; }

    private interface Body { void run(List<Storage> temps); }

    private void withTemps(Body body) {
        backend.ctx.makeCurrent();
        List<Storage> temps = new ArrayList<>();
        try {
            body.run(temps);
        } finally {
            CudaBackend.release(temps);
        }
    }

    private static long rows(Tensor t) { return t.rank() == 0 ? 1 : t.numel() / Math.max(1, t.dim(-1)); }

    private static KernelArg ptr(Tensor t) { return KernelArg.ptr(first(t)); }

    @Override
    public void softmax(Tensor x, Tensor y) { rowForward("softmax", x, y); }

    @Override
    public void logSoftmax(Tensor x, Tensor y) { rowForward("log_softmax", x, y); }

    @Override
    public void softmaxBackward(Tensor y, Tensor dy, Tensor dx) { rowBackward("softmax_backward", y, dy, dx); }

    @Override
    public void logSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) { rowBackward("log_softmax_backward", y, dy, dx); }

    private void rowForward(String op, Tensor x, Tensor y) {
        requireDtype(op, x, F32, BF16);
        requireContiguous(op, "y", y);
        if (x.numel() == 0) return;
        withTemps(temps -> backend.launch("softmax", op + "_" + suffix(x.dtype()), LaunchConfig.rows(rows(x), ROW_THREADS, 0),
                List.of(KernelArg.i64(rows(x)), KernelArg.i32(x.dim(-1)), ptr(backend.dense(x, temps)), ptr(y))));
    }

    private void rowBackward(String op, Tensor y, Tensor dy, Tensor dx) {
        requireDtype(op, y, F32, BF16);
        requireContiguous(op, "dx", dx);
        if (y.numel() == 0) return;
        withTemps(temps -> backend.launch("softmax", op + "_" + suffix(y.dtype()), LaunchConfig.rows(rows(y), ROW_THREADS, 0),
                List.of(KernelArg.i64(rows(y)), KernelArg.i32(y.dim(-1)), ptr(backend.dense(y, temps)), ptr(backend.dense(dy, temps)), ptr(dx))));
    }

    @Override
    public void crossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor lse) {
        requireDtype("crossEntropy", logits, F32, BF16);
        requireDtype("crossEntropy targets", targets, I32, I64);
        requireDtype("crossEntropy loss", loss, F32, BF16);
        requireDtype("crossEntropy lse", lse, F32);
        requireContiguous("crossEntropy", "lse", lse);
        long n = logits.dim(0);
        if (n == 0) return;
        withTemps(temps -> {
            // the kernel writes F32 losses: a loss of the logits' dtype (as autograd allocates it) goes through an F32 temporary
            Tensor lossF32 = loss.dtype() == F32 && loss.isContiguous() ? loss : backend.temporary(F32, loss.shape(), temps);
            backend.launch("cross_entropy", "cross_entropy_" + suffix(logits.dtype()) + "_" + suffix(targets.dtype()),
                    LaunchConfig.rows(n, ROW_THREADS, 0), List.of(KernelArg.i64(n), KernelArg.i32(logits.dim(1)), ptr(backend.dense(logits, temps)),
                            ptr(backend.dense(targets, temps)), KernelArg.i32(ignoreIndex), ptr(lossF32), ptr(lse)));
            if (lossF32 != loss) backend.cast(lossF32, loss);
        });
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor lse, Tensor dloss, Tensor dlogits) {
        requireDtype("crossEntropyBackward", logits, F32, BF16);
        requireDtype("crossEntropyBackward dloss", dloss, F32, BF16);
        requireContiguous("crossEntropyBackward", "dlogits", dlogits);
        long n = logits.dim(0);
        if (n == 0) return;
        withTemps(temps -> {
            Tensor dlossF32 = dloss.dtype() == F32 ? backend.dense(dloss, temps) : backend.temporary(F32, dloss.shape(), temps);
            if (dloss.dtype() != F32) backend.cast(dloss, dlossF32);                    // the kernel reads F32 loss gradients
            backend.launch("cross_entropy", "cross_entropy_backward_" + suffix(logits.dtype()) + "_" + suffix(targets.dtype()),
                    LaunchConfig.rows(n, ROW_THREADS, 0), List.of(KernelArg.i64(n), KernelArg.i32(logits.dim(1)), ptr(backend.dense(logits, temps)),
                            ptr(backend.dense(targets, temps)), KernelArg.i32(ignoreIndex), ptr(backend.dense(lse, temps)),
                            ptr(dlossF32), ptr(dlogits)));
        });
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd) {
        requireDtype("rmsNorm", x, F32, BF16);
        sameDtype("rmsNorm", x, weight);
        requireContiguous("rmsNorm", "y", y);
        requireContiguous("rmsNorm", "rstd", rstd);
        if (x.numel() == 0) return;
        withTemps(temps -> backend.launch("rmsnorm", "rmsnorm_" + suffix(x.dtype()), LaunchConfig.rows(rows(x), ROW_THREADS, 0),
                List.of(KernelArg.i64(rows(x)), KernelArg.i32(x.dim(-1)), ptr(backend.dense(x, temps)), ptr(backend.dense(weight, temps)),
                        KernelArg.f32(eps), ptr(y), ptr(rstd))));
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweightAccumulate) {
        requireDtype("rmsNormBackward", x, F32, BF16);
        sameDtype("rmsNormBackward", x, weight);
        requireContiguous("rmsNormBackward", "dx", dx);
        if (x.numel() == 0) return;
        withTemps(temps -> {
            Tensor partial = null;
            if (dweightAccumulate != null) {
                partial = backend.temporary(F32, Shape.of(x.dim(-1)), temps);
                backend.ctx.zero(first(partial), partial.numel() * 4);
            }
            backend.launch("rmsnorm", "rmsnorm_backward_" + suffix(x.dtype()), LaunchConfig.rows(rows(x), ROW_THREADS, 0),
                    List.of(KernelArg.i64(rows(x)), KernelArg.i32(x.dim(-1)), ptr(backend.dense(x, temps)), ptr(backend.dense(weight, temps)),
                            ptr(backend.dense(rstd, temps)), ptr(backend.dense(dy, temps)), ptr(dx), KernelArg.ptr(partial == null ? 0 : first(partial))));
            if (partial != null) accumulate(partial, dweightAccumulate, temps);
        });
    }

    /** target += partial (F32), casting when target is 16-bit. */
    private void accumulate(Tensor partial, Tensor target, List<Storage> temps) {
        Tensor p = partial.view(partial.layout().reshape(target.shape().dims()));
        if (target.dtype() == F32) {
            backend.binary(BinaryOp.ADD, target, p, target);
        } else {
            Tensor cast = backend.temporary(target.dtype(), target.shape(), temps);
            backend.cast(p, cast);
            backend.binary(BinaryOp.ADD, target, cast, target);
        }
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor y) {
        requireDtype("swiglu", gate, F32, BF16);
        requireContiguous("swiglu", "y", y);
        long n = gate.numel();
        if (n == 0) return;
        withTemps(temps -> backend.launch("swiglu", "swiglu_" + suffix(gate.dtype()), LaunchConfig.linear(n, CudaBackend.THREADS),
                List.of(KernelArg.i64(n), ptr(backend.dense(gate, temps)), ptr(backend.dense(up, temps)), ptr(y))));
    }

    @Override
    public void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dgate, Tensor dup) {
        requireDtype("swigluBackward", gate, F32, BF16);
        requireContiguous("swigluBackward", "dgate", dgate);
        requireContiguous("swigluBackward", "dup", dup);
        long n = gate.numel();
        if (n == 0) return;
        withTemps(temps -> backend.launch("swiglu", "swiglu_backward_" + suffix(gate.dtype()), LaunchConfig.linear(n, CudaBackend.THREADS),
                List.of(KernelArg.i64(n), ptr(backend.dense(gate, temps)), ptr(backend.dense(up, temps)), ptr(backend.dense(dy, temps)),
                        ptr(dgate), ptr(dup))));
    }

    @Override
    public void rope(Tensor x, Tensor cos, Tensor sin, Tensor positions, RopeStyle style, boolean inverse, Tensor y) {
        requireDtype("rope", x, F32, BF16);
        requireDtype("rope positions", positions, I32);
        requireContiguous("rope", "y", y);
        long pairs = x.numel() / 2;
        if (pairs == 0) return;
        withTemps(temps -> backend.launch("rope", "rope_" + suffix(x.dtype()), LaunchConfig.linear(pairs, CudaBackend.THREADS),
                List.of(KernelArg.i64(pairs), KernelArg.i32(x.dim(1)), KernelArg.i32(x.dim(2)), KernelArg.i32(x.dim(3)), ptr(backend.dense(x, temps)),
                        ptr(backend.dense(cos, temps)), ptr(backend.dense(sin, temps)), ptr(backend.dense(positions, temps)),
                        KernelArg.i32(style == RopeStyle.HALF ? 0 : 1), KernelArg.i32(inverse ? 1 : 0), ptr(y))));
    }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments, Tensor out, Tensor lse) {
        requireDtype("attention", q, F32, BF16);
        requireContiguous("attention", "lse", lse);
        if (q.numel() == 0) return;
        int sLen = k.dim(2);
        boolean tiled = tiled(q);
        withTemps(temps -> {
            Tensor target = out.isContiguous() ? out : backend.temporary(out.dtype(), out.shape(), temps);
            backend.launch("attention", (tiled ? "attention_tiled_" : "attention_") + suffix(q.dtype()),
                    tiled ? tiledGrid(q.dim(0) * q.dim(1), q.dim(2), 3 * tileFloats(q) + TILE * (TILE + 1) + 2 * TILE) : attentionGrid(q, sLen),
                    attentionArgs(q, k, v, scale, causal, segments, temps, ptr(target), ptr(lse)));
            if (target != out) backend.copy(target, out);
        });
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments,
                                  Tensor out, Tensor lse, Tensor dout, Tensor dq, Tensor dk, Tensor dv) {
        requireDtype("attentionBackward", q, F32, BF16);
        if (q.numel() == 0) return;
        int sLen = k.dim(2);
        withTemps(temps -> {
            Tensor dqTarget = dq.isContiguous() ? dq : backend.temporary(dq.dtype(), dq.shape(), temps);
            Tensor dkAcc = backend.temporary(F32, k.shape(), temps);
            Tensor dvAcc = backend.temporary(F32, v.shape(), temps);
            KernelArg outArg = ptr(backend.dense(out, temps)), lseArg = ptr(backend.dense(lse, temps)), doutArg = ptr(backend.dense(dout, temps));
            if (tiled(q)) {                                   // dq (and delta) over query tiles, then dk, dv over key tiles: no atomics
                Tensor delta = backend.temporary(F32, lse.shape(), temps);
                backend.launch("attention", "attention_tiled_dq_" + suffix(q.dtype()),
                        tiledGrid(q.dim(0) * q.dim(1), q.dim(2), 4 * tileFloats(q) + TILE * (TILE + 1) + 2 * TILE),
                        attentionArgs(q, k, v, scale, causal, segments, temps, outArg, lseArg, doutArg, ptr(dqTarget), ptr(delta)));
                backend.launch("attention", "attention_tiled_dkv_" + suffix(q.dtype()),
                        tiledGrid(k.dim(0) * k.dim(1), sLen, 4 * tileFloats(q) + 2 * TILE * (TILE + 1) + 4 * TILE),
                        attentionArgs(q, k, v, scale, causal, segments, temps, lseArg, ptr(delta), doutArg, ptr(dkAcc), ptr(dvAcc)));
            } else {
                backend.ctx.zero(first(dkAcc), dkAcc.numel() * 4);
                backend.ctx.zero(first(dvAcc), dvAcc.numel() * 4);
                backend.launch("attention", "attention_backward_" + suffix(q.dtype()), attentionGrid(q, sLen),
                        attentionArgs(q, k, v, scale, causal, segments, temps, outArg, lseArg, doutArg, ptr(dqTarget), ptr(dkAcc), ptr(dvAcc)));
            }
            if (dqTarget != dq) backend.copy(dqTarget, dq);
            backend.cast(dkAcc, dk);
            backend.cast(dvAcc, dv);
        });
    }

    private static final int TILE = 64;
    private static final int TILED_MAX_HEAD_DIM = 128;

    /** The tiled kernels take head dims up to 128; wider heads use the simple kernels. */
    private static boolean tiled(Tensor q) { return q.dim(3) <= TILED_MAX_HEAD_DIM; }

    /** Floats of one 64-row tile of head vectors, padded to D + 1 per row against shared-memory bank conflicts. */
    private static int tileFloats(Tensor q) { return TILE * (q.dim(3) + 1); }

    /** One block of 256 threads per 64 rows of each of {@code groups} [rows, D] matrices; shared memory in 4-byte words. */
    private static LaunchConfig tiledGrid(long groups, int rows, int sharedWords) {
        long blocks = groups * ((rows + TILE - 1) / TILE);
        if (blocks > Integer.MAX_VALUE) throw new IllegalArgumentException("attention on cuda: " + blocks + " tiles exceed one launch");
        return new LaunchConfig((int) blocks, 1, 1, 256, 1, 1, sharedWords * 4);
    }

    private static LaunchConfig attentionGrid(Tensor q, int sLen) {
        long rows = q.numel() / q.dim(3);
        if (rows > Integer.MAX_VALUE || (long) sLen * 4 > 200 * 1024) {
            throw new IllegalArgumentException("attention on cuda: q " + q.shape() + " with " + sLen + " keys is beyond the simple kernel (rows < 2^31, keys <= 51200)");
        }
        return new LaunchConfig((int) rows, 1, 1, 128, 1, 1, sLen * 4);
    }

    private List<KernelArg> attentionArgs(Tensor q, Tensor k, Tensor v, float scale, boolean causal, Tensor segments, List<Storage> temps, KernelArg... tail) {
        sameDtype("attention", q, k);
        sameDtype("attention", q, v);
        List<KernelArg> args = new ArrayList<>(List.of(KernelArg.i32(q.dim(1)), KernelArg.i32(k.dim(1)), KernelArg.i32(q.dim(2)), KernelArg.i32(k.dim(2)),
                KernelArg.i32(q.dim(3)), KernelArg.f32(scale), KernelArg.i32(causal ? 1 : 0),
                KernelArg.ptr(segments == null ? 0 : first(backend.dense(segments, temps))),
                ptr(backend.dense(q, temps)), ptr(backend.dense(k, temps)), ptr(backend.dense(v, temps))));
        args.addAll(List.of(tail));
        return args;
    }

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
        requireDtype("adamw", param, F32, BF16);
        sameDtype("adamw", param, grad);
        requireDtype("adamw m", m, F32);
        requireDtype("adamw v", v, F32);
        long n = param.numel();
        if (n == 0) return;
        float bc1 = (float) (1.0 - Math.pow(beta1, step));
        float bc2 = (float) (1.0 - Math.pow(beta2, step));
        withTemps(temps -> {
            Tensor p = backend.dense(param, temps), mm = backend.dense(m, temps), vv = backend.dense(v, temps);
            backend.launch("adamw", "adamw_" + suffix(param.dtype()), LaunchConfig.linear(n, CudaBackend.THREADS),
                    List.of(KernelArg.i64(n), ptr(p), ptr(backend.dense(grad, temps)), ptr(mm), ptr(vv), KernelArg.f32(lr), KernelArg.f32(beta1),
                            KernelArg.f32(beta2), KernelArg.f32(eps), KernelArg.f32(weightDecay), KernelArg.f32(bc1), KernelArg.f32(bc2)));
            for (Tensor[] updated : new Tensor[][] {{p, param}, {mm, m}, {vv, v}}) {
                if (updated[0] != updated[1]) backend.copy(updated[0], updated[1]);     // strided state: write back
            }
        });
    }

    private static void sameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) throw new IllegalArgumentException(op + " on cuda: dtypes " + a.dtype() + " " + a.shape() + " and " + b.dtype() + " " + b.shape() + " differ");
    }
}
