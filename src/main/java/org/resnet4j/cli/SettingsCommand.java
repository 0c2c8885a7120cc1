package org.resnet4j.cli;

import java.util.List;
import java.util.Set;

import org.resnet4j.config.Settings;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command whose options include settings records: picocli adds their options while it builds the command, and
 * after parsing {@link #settings} overlays what the user typed onto a base (the defaults, a recipe, a recorded run).
 */
@Command(modelTransformer = SettingsCommand.AddOptions.class)
abstract class SettingsCommand {
    @Spec
    CommandSpec spec;

    private Settings.Binding binding;

    /** The settings records whose options this command takes. */
    abstract List<Class<? extends Record>> settingsTypes();

    /** Settings of those records this command does not take (record component names). */
    Set<String> excludedSettings() {
        return Set.of();
    }

    /** {@code base} with the settings the user typed. */
    <R extends Record> R settings(R base) {
        return binding.overlay(base, spec.commandLine().getParseResult());
    }

    /** The defaults of {@code type} with the settings the user typed. */
    <R extends Record> R settings(Class<R> type) {
        return settings(Settings.defaults(type));
    }

    /** What the user typed, to overlay onto records of any of this command's settings types. */
    Settings.Parsed typed() {
        return new Settings.Parsed(binding, spec.commandLine().getParseResult());
    }

    /** Whether the user typed the option {@code name}. */
    boolean typed(String name) {
        return binding.typed(spec.commandLine().getParseResult()).contains(name);
    }

    /** Adds the options of a {@link SettingsCommand}'s records while picocli builds it. */
    static final class AddOptions implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            SettingsCommand c = (SettingsCommand) spec.userObject();
            c.binding = Settings.bind(spec, c.excludedSettings(), c.settingsTypes());
            return spec;
        }
    }
}
