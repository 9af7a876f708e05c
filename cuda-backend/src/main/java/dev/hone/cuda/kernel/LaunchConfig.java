package dev.hone.cuda.kernel;

/**
 * Grid and block dimensions plus dynamic shared memory of one launch. {@link #linear} sizes a 1-D
 * grid-stride launch: enough blocks to cover n elements, capped (the kernels loop over the rest).
 */
public record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes) {
    public static final int MAX_LINEAR_BLOCKS = 65_535;

    public LaunchConfig {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || blockX < 1 || blockY < 1 || blockZ < 1 || sharedBytes < 0) {
            throw new IllegalArgumentException("launch config with a non-positive dimension: " + describe(gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes));
        }
    }

    /** A 1-D launch of {@code threads}-thread blocks for {@code n} elements (at least one block). */
    public static LaunchConfig linear(long n, int threads) {
        long blocks = Math.max(1, Math.min(MAX_LINEAR_BLOCKS, (n + threads - 1) / threads));
        return new LaunchConfig((int) blocks, 1, 1, threads, 1, 1, 0);
    }

    /** One block per row (capped; the kernels loop over the rest), {@code threads} threads each. */
    public static LaunchConfig rows(long rows, int threads, int sharedBytes) {
        long blocks = Math.max(1, Math.min(MAX_LINEAR_BLOCKS, rows));
        return new LaunchConfig((int) blocks, 1, 1, threads, 1, 1, sharedBytes);
    }

    @Override
    public String toString() { return describe(gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes); }

    private static String describe(int gx, int gy, int gz, int bx, int by, int bz, int shared) {
        return "grid (" + gx + ", " + gy + ", " + gz + ") block (" + bx + ", " + by + ", " + bz + ") shared " + shared + " B";
    }
}
