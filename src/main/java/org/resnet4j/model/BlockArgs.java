package org.resnet4j.model;

/** What every block constructor needs: input channels, width, stride and the shortcut option and name. */
record BlockArgs(long inChannels, long planes, int stride, Shortcut shortcut, String shortcutName) {
}
