package org.resnet4j.engine;

/** The device asked for does not exist here: no CUDA device, a CPU-only build, or a device number too high. */
public final class DeviceUnavailableException extends EngineException {
    private static final long serialVersionUID = 1L;

    public DeviceUnavailableException(String message) {
        super(message);
    }
}
