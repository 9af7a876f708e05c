package dev.hone.cuda.kernel;

import dev.hone.cuda.driver.CudaException;

/** A kernel launch the driver refused; the message names the kernel, its PTX module and its grid. */
public final class KernelLaunchException extends CudaException {
    public KernelLaunchException(String kernel, String module, LaunchConfig config, String error, int code) {
        super(message(kernel, module, config, error), code);
    }

    static String message(String kernel, String module, LaunchConfig config, String error) {
        return "launch of kernel " + kernel + " (" + module + ") with " + config + " failed: " + error;
    }
}
