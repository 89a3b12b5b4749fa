package org.personlab.mobile.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON parser (RFC 8259): objects become {@code LinkedHashMap<String, Object>}, arrays
 * {@code ArrayList<Object>}, numbers {@code Long} (integer literals that fit) or {@code Double}, plus
 * String, Boolean and null. Enough for the artifact metadata; no dependencies, Android-safe.
 */
public final class Json {
    private final String s;
    private int i;

    private Json(String text) {
        this.s = text;
    }

    /** Parses one JSON value (surrounding whitespace allowed); {@link JsonException} on any syntax error. */
    public static Object parse(String text) {
        Json p = new Json(text);
        p.skip();
        Object v = p.value(0);
        p.skip();
        if (p.i != p.s.length()) {
            throw p.error("trailing characters");
        }
        return v;
    }

    /** Thrown for malformed JSON, with the character offset. */
    public static final class JsonException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        JsonException(String message) {
            super(message);
        }
    }

    private JsonException error(String what) {
        return new JsonException("JSON: " + what + " at offset " + i);
    }

    private void skip() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                i++;
            } else {
                break;
            }
        }
    }

    private Object value(int depth) {
        if (depth > 512) {
            throw error("nesting too deep");
        }
        if (i >= s.length()) {
            throw error("unexpected end");
        }
        char c = s.charAt(i);
        switch (c) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
            case 't':
                literal("true");
                return Boolean.TRUE;
            case 'f':
                literal("false");
                return Boolean.FALSE;
            case 'n':
                literal("null");
                return null;
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected character '" + c + "'");
        }
    }

    private void literal(String word) {
        if (!s.startsWith(word, i)) {
            throw error("expected " + word);
        }
        i += word.length();
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> out = new LinkedHashMap<>();
        i++; // {
        skip();
        if (i < s.length() && s.charAt(i) == '}') {
            i++;
            return out;
        }
        while (true) {
            skip();
            if (i >= s.length() || s.charAt(i) != '"') {
                throw error("expected a string key");
            }
            String key = string();
            skip();
            if (i >= s.length() || s.charAt(i) != ':') {
                throw error("expected ':'");
            }
            i++;
            skip();
            out.put(key, value(depth + 1));
            skip();
            if (i >= s.length()) {
                throw error("unterminated object");
            }
            char c = s.charAt(i++);
            if (c == '}') {
                return out;
            }
            if (c != ',') {
                i--;
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> array(int depth) {
        List<Object> out = new ArrayList<>();
        i++; // [
        skip();
        if (i < s.length() && s.charAt(i) == ']') {
            i++;
            return out;
        }
        while (true) {
            skip();
            out.add(value(depth + 1));
            skip();
            if (i >= s.length()) {
                throw error("unterminated array");
            }
            char c = s.charAt(i++);
            if (c == ']') {
                return out;
            }
            if (c != ',') {
                i--;
                throw error("expected ',' or ']'");
            }
        }
    }

    private String string() {
        i++; // opening quote
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                i--;
                throw error("control character in string");
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) {
                throw error("unterminated escape");
            }
            char e = s.charAt(i++);
            switch (e) {
                case '"': b.append('"'); break;
                case '\\': b.append('\\'); break;
                case '/': b.append('/'); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u':
                    if (i + 4 > s.length()) {
                        throw error("short \\u escape");
                    }
                    int code = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(s.charAt(i++), 16);
                        if (d < 0) {
                            throw error("bad \\u escape");
                        }
                        code = code * 16 + d;
                    }
                    b.append((char) code);
                    break;
                default:
                    i--;
                    throw error("bad escape '\\" + e + "'");
            }
        }
    }

    private Object number() {
        int start = i;
        if (s.charAt(i) == '-') {
            i++;
        }
        if (i >= s.length()) {
            throw error("bad number");
        }
        if (s.charAt(i) == '0') {
            i++;
        } else if (s.charAt(i) >= '1' && s.charAt(i) <= '9') {
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
        } else {
            throw error("bad number");
        }
        boolean integer = true;
        if (i < s.length() && s.charAt(i) == '.') {
            integer = false;
            i++;
            int digits = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == digits) {
                throw error("bad fraction");
            }
        }
        if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            integer = false;
            i++;
            if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int digits = i;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == digits) {
                throw error("bad exponent");
            }
        }
        String text = s.substring(start, i);
        if (integer && text.length() < 19) {
            return Long.parseLong(text);
        }
        return Double.parseDouble(text);
    }

    // ---- typed access helpers (ClassCastException-free: IllegalArgumentException naming the key) ----

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Object v, String what) {
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException(what + " is not a JSON object");
        }
        return (Map<String, Object>) v;
    }

    @SuppressWarnings("unchecked")
    public static List<Object> array(Object v, String what) {
        if (!(v instanceof List)) {
            throw new IllegalArgumentException(what + " is not a JSON array");
        }
        return (List<Object>) v;
    }

    public static double number(Object v, String what) {
        if (!(v instanceof Number)) {
            throw new IllegalArgumentException(what + " is not a number");
        }
        return ((Number) v).doubleValue();
    }

    public static int integer(Object v, String what) {
        double d = number(v, what);
        if (d != Math.rint(d) || Math.abs(d) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " is not an integer: " + v);
        }
        return (int) d;
    }

    public static double[] doubles(Object v, String what) {
        List<Object> a = array(v, what);
        double[] out = new double[a.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = number(a.get(k), what + "[" + k + "]");
        }
        return out;
    }

    public static int[] ints(Object v, String what) {
        List<Object> a = array(v, what);
        int[] out = new int[a.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = integer(a.get(k), what + "[" + k + "]");
        }
        return out;
    }
}
