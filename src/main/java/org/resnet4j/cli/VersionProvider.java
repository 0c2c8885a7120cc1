package org.resnet4j.cli;

import org.resnet4j.engine.Engine;

import picocli.CommandLine.IVersionProvider;

final class VersionProvider implements IVersionProvider {
    static String resnet4jVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"resnet4j " + resnet4jVersion() + " (libtorch " + Engine.libtorchVersion()
                + " via JavaCPP presets " + Engine.pytorchVersion() + ", Java " + System.getProperty("java.version")
                + ")"};
    }
}
