package org.resnet4j.config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * How setting values are read from text: a type with a static {@code parse(String)} reads itself (its message says
 * what is expected); other enums match their names or {@code toString()} ignoring case, '-' and '_'.
 */
public final class Converters {
    private Converters() {
    }

    /** The converter for {@code type}, or null where picocli's own does (numbers, strings, paths, URIs). */
    public static ITypeConverter<?> forType(Class<?> type) {
        Method parse = parseMethod(type);
        if (parse != null) {
            return text -> {
                try {
                    return parse.invoke(null, text);
                } catch (InvocationTargetException e) {
                    throw new TypeConversionException(e.getCause().getMessage());
                }
            };
        }
        if (type.isEnum()) {
            return text -> enumValue(type, text);
        }
        return null;
    }

    static List<String> candidates(Class<?> enumType) {
        return Arrays.stream(enumType.getEnumConstants()).map(Object::toString).toList();
    }

    private static Object enumValue(Class<?> type, String text) {
        String want = key(text);
        for (Object v : type.getEnumConstants()) {
            if (key(v.toString()).equals(want) || key(((Enum<?>) v).name()).equals(want)) {
                return v;
            }
        }
        throw new TypeConversionException("'" + text + "' is not one of " + String.join(", ", candidates(type)));
    }

    private static String key(String s) {
        return s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    private static Method parseMethod(Class<?> type) {
        try {
            Method m = type.getMethod("parse", String.class);
            return Modifier.isStatic(m.getModifiers()) && type.isAssignableFrom(m.getReturnType()) ? m : null;
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
