package org.resnet4j.engine;

import java.util.function.Supplier;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Native-memory scoping for tensors. Every tensor libtorch hands to Java holds a reference to its storage until its
 * Java handle is released; releasing the handles of intermediates as soon as they are consumed lets libtorch (and
 * autograd, which keeps what backward needs) free them as PyTorch would, instead of at the end of a whole step.
 */
public final class Scopes {
    private Scopes() {
    }

    /**
     * Runs {@code work} in a scope of its own and releases every tensor handle it created except its result, which
     * moves to the enclosing scope (or, without one, to the garbage collector).
     */
    public static Tensor keepingOnlyResult(Supplier<Tensor> work) {
        PointerScope outer = PointerScope.getInnerScope();
        try (PointerScope inner = new PointerScope()) {
            // In-place ops (relu_, add_) hand back a non-owning view of another handle, which closing this scope
            // would free; a copy of the handle owns its own reference to the tensor (no data is copied).
            Tensor result = new Tensor(work.get());
            if (outer != null) {
                outer.attach(result); // attach adds a reference and detach drops one: attach first
            } else {
                result.retainReference();
            }
            inner.detach(result);
            return result;
        }
    }

    /**
     * Releases a handle that the enclosing scope owns (one {@link #keepingOnlyResult} returned, or one created in
     * that scope) before the scope ends; the tensor's storage lives on while anything else uses it. Not for the
     * non-owning views in-place ops return, nor for handles of another scope.
     */
    public static void release(Tensor t) {
        PointerScope outer = PointerScope.getInnerScope();
        if (outer != null) {
            outer.detach(t);
        }
    }
}
