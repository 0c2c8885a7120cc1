package org.resnet4j.model;

/**
 * One line of a model summary: a module's dotted name (its state-dict prefix), what it is, its output shape,
 * its own parameter count and multiply-adds for one image, and its depth in the module tree.
 */
public record LayerRow(String name, String kind, Shape output, long parameters, long multiplyAdds, int depth) {
}
