package org.resnet4j.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * Settings records: each setting is declared once, as a record component whose accessor carries picocli's
 * {@link Option} (its flag, help text and default), and is checked in the record's compact constructor. From that one
 * declaration this class derives the command-line options of every command that takes the record, the record's
 * defaults, and the overlay of what a user typed onto a base (the defaults, a recipe, or a resumed run's settings).
 *
 * <p>A boolean that is true by default is declared with its negative name ({@code --no-augment}, negatable), which
 * picocli turns into {@code --[no-]augment}.
 */
public final class Settings {
    private Settings() {
    }

    /** The option declared on one component of a settings record. */
    public record Setting(Class<? extends Record> owner, RecordComponent component, Option option) {
        public String name() {
            return component.getName();
        }

        /** The flag a user types, e.g. {@code --lr} (for negatable booleans, the positive form). */
        public String flag() {
            String n = option.names()[0];
            return option.negatable() && n.startsWith("--no-") ? "--" + n.substring(5) : n;
        }
    }

    /** The declared settings of {@code type}, in declaration order. */
    public static List<Setting> of(Class<? extends Record> type) {
        List<Setting> out = new ArrayList<>();
        for (RecordComponent c : type.getRecordComponents()) {
            Option o = c.getAccessor().getAnnotation(Option.class);
            if (o == null) {
                throw new IllegalStateException(type.getSimpleName() + "." + c.getName() + " declares no option");
            }
            out.add(new Setting(type, c, o));
        }
        return out;
    }

    /** The record with every setting at its declared default. */
    public static <R extends Record> R defaults(Class<R> type) {
        CommandSpec spec = CommandSpec.create();
        Binding b = bind(spec, Set.of(), List.of(type));
        new CommandLine(spec).parseArgs(); // picocli converts each declared default and hands it to the setter
        return build(type, c -> b.values.get(key(c)));
    }

    /**
     * Parses {@code args} (command-line syntax, e.g. {@code "--lr", "0.2"}) against the settings of {@code types};
     * the result overlays what the arguments name onto a base record of any of those types.
     */
    public static Parsed parse(List<Class<? extends Record>> types, String... args) {
        CommandSpec spec = CommandSpec.create();
        Binding b = bind(spec, Set.of(), types);
        try {
            return new Parsed(b, new CommandLine(spec).parseArgs(args));
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * Adds an option for every setting of {@code types} to {@code spec}, except those whose record component name is
     * in {@code excluded}; after picocli has parsed, {@link Binding#overlay} applies what was typed.
     */
    public static Binding bind(CommandSpec spec, Set<String> excluded, List<Class<? extends Record>> types) {
        Binding b = new Binding();
        for (Class<? extends Record> type : types) {
            for (Setting s : of(type)) {
                if (!excluded.contains(s.name())) {
                    OptionSpec o = optionSpec(s, b.values);
                    spec.addOption(o);
                    b.options.put(key(s.component()), o);
                }
            }
        }
        return b;
    }

    /** The options of one or more settings records on a command, and the values picocli converted for them. */
    public static final class Binding {
        private final Map<String, OptionSpec> options = new LinkedHashMap<>();
        private final Map<String, Object> values = new LinkedHashMap<>();

        private Binding() {
        }

        /** {@code base} with the settings typed in {@code parsed} replaced; the others keep their values. */
        public <R extends Record> R overlay(R base, ParseResult parsed) {
            @SuppressWarnings("unchecked")
            Class<R> type = (Class<R>) base.getClass();
            return build(type, c -> {
                OptionSpec o = options.get(key(c));
                return o != null && parsed.hasMatchedOption(o) ? values.get(key(c)) : read(base, c);
            });
        }

        /** The flags of the settings typed in {@code parsed}, e.g. {@code [--lr, --epochs]}. */
        public List<String> typed(ParseResult parsed) {
            List<String> out = new ArrayList<>();
            options.forEach((c, o) -> {
                if (parsed.hasMatchedOption(o)) {
                    out.add(o.longestName());
                }
            });
            return out;
        }
    }

    /** Arguments parsed against settings records, ready to overlay onto a base of any of those records. */
    public record Parsed(Binding binding, ParseResult result) {
        public <R extends Record> R overlay(R base) {
            return binding.overlay(base, result);
        }
    }

    private static <R extends Record> R build(Class<R> type, Function<RecordComponent, Object> valueOf) {
        RecordComponent[] cs = type.getRecordComponents();
        Object[] args = new Object[cs.length];
        for (int i = 0; i < cs.length; i++) {
            args[i] = valueOf.apply(cs[i]);
            if (args[i] == null && cs[i].getType().isPrimitive()) {
                args[i] = zero(cs[i].getType());
            }
        }
        return construct(type, args);
    }

    /** The components of {@code a} and {@code b} (records of one type) whose values differ. */
    public static List<Setting> differences(Record a, Record b) {
        if (a.getClass() != b.getClass()) {
            throw new IllegalArgumentException("cannot compare a " + a.getClass().getSimpleName() + " with a "
                    + b.getClass().getSimpleName());
        }
        List<Setting> out = new ArrayList<>();
        for (Setting s : of(a.getClass())) {
            if (!Objects.equals(read(a, s.component()), read(b, s.component()))) {
                out.add(s);
            }
        }
        return out;
    }

    /** A copy of {@code base} with component {@code name} set to {@code value}. */
    public static <R extends Record> R with(R base, String name, Object value) {
        RecordComponent[] cs = base.getClass().getRecordComponents();
        Object[] args = new Object[cs.length];
        boolean found = false;
        for (int i = 0; i < cs.length; i++) {
            if (cs[i].getName().equals(name)) {
                args[i] = value;
                found = true;
            } else {
                args[i] = read(base, cs[i]);
            }
        }
        if (!found) {
            throw new IllegalArgumentException(base.getClass().getSimpleName() + " has no setting '" + name + "'");
        }
        @SuppressWarnings("unchecked")
        Class<R> type = (Class<R>) base.getClass();
        return construct(type, args);
    }

    /** The value of one component. */
    public static Object read(Record r, RecordComponent c) {
        try {
            return c.getAccessor().invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c.getName(), e);
        }
    }

    private static <R extends Record> R construct(Class<R> type, Object[] args) {
        Class<?>[] types = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getType)
                .toArray(Class<?>[]::new);
        try {
            Constructor<R> ctor = type.getDeclaredConstructor(types);
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r; // the record's own check, naming the setting
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getSimpleName(), e);
        }
    }

    private static Object zero(Class<?> primitive) {
        if (primitive == boolean.class) {
            return false;
        }
        if (primitive == double.class) {
            return 0.0;
        }
        if (primitive == float.class) {
            return 0.0f;
        }
        if (primitive == long.class) {
            return 0L;
        }
        return 0;
    }

    /** RecordComponent has no equals of its own, and each getRecordComponents() call makes new ones. */
    private static String key(RecordComponent c) {
        return c.getDeclaringRecord().getName() + "." + c.getName();
    }

    private static OptionSpec optionSpec(Setting s, Map<String, Object> values) {
        Option o = s.option();
        RecordComponent c = s.component();
        OptionSpec.Builder b = OptionSpec.builder(o.names())
                .description(o.description())
                .paramLabel(o.paramLabel().isEmpty() ? "<" + c.getName() + ">" : o.paramLabel())
                .negatable(o.negatable())
                .hidden(o.hidden())
                .type(c.getType())
                .setter(new ISetter() {
                    @Override
                    public <T> T set(T value) {
                        values.put(key(c), value);
                        return null;
                    }
                });
        if (!o.defaultValue().equals(Option.NULL_VALUE) && !o.defaultValue().equals("__no_default_value__")) {
            b.defaultValue(o.defaultValue());
        }
        if (!o.split().isEmpty()) {
            b.splitRegex(o.split());
        }
        if (!o.fallbackValue().isEmpty()) {
            b.fallbackValue(o.fallbackValue());
        }
        if (o.arity().length() > 0) {
            b.arity(o.arity());
        }
        Class<?> element = elementType(c);
        if (element != null) {
            b.auxiliaryTypes(element);
        }
        Class<?> converted = element != null ? element : c.getType();
        ITypeConverter<?> converter = Converters.forType(converted);
        if (converter != null) {
            b.converters(converter);
            if (converted.isEnum()) {
                b.completionCandidates(Converters.candidates(converted));
            }
        }
        return b.build();
    }

    private static Class<?> elementType(RecordComponent c) {
        if (!List.class.isAssignableFrom(c.getType())) {
            return null;
        }
        Type t = c.getGenericType();
        if (t instanceof ParameterizedType p && p.getActualTypeArguments()[0] instanceof Class<?> e) {
            return e;
        }
        throw new IllegalStateException(c.getName() + ": a list setting needs a concrete element type");
    }
}
