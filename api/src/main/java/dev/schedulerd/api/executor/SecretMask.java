package dev.schedulerd.api.executor;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hides the values of the environment variables tasks may use: each value, in the forms it takes in
 * text (raw, URL-encoded in upper or lower case, JSON-escaped, Base64), is shown as {@code
 * ${env:NAME}}. The daemon builds one from every variable any executor's {@code allow-env} allows
 * and applies it to every run's result, error and log line — not only the run that resolved the
 * value, since another run may read it back from wherever the first one sent it. Immutable.
 */
public final class SecretMask {
  private static final SecretMask NONE = new SecretMask(List.of());

  // Each form a value may take, longest first, with what replaces it.
  private final List<Map.Entry<String, String>> forms;

  private SecretMask(List<Map.Entry<String, String>> forms) {
    this.forms = forms;
  }

  public static SecretMask none() {
    return NONE;
  }

  /** A mask of {@code values}, by variable name; empty values are skipped. */
  public static SecretMask of(Map<String, String> values) {
    List<Map.Entry<String, String>> forms = new ArrayList<>();
    values.forEach(
        (name, value) -> {
          if (!value.isEmpty()) {
            String shown = "${env:" + name + "}";
            for (String form : forms(value)) {
              forms.add(Map.entry(form, shown));
            }
          }
        });
    forms.sort(
        Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
    return forms.isEmpty() ? NONE : new SecretMask(List.copyOf(forms));
  }

  /** The variables of {@code environment} that {@code policy} allows, masked. */
  public static SecretMask allowed(EnvPolicy policy, Map<String, String> environment) {
    Map<String, String> values = new java.util.TreeMap<>();
    environment.forEach(
        (name, value) -> {
          if (policy.allows(name)) {
            values.put(name, value);
          }
        });
    return of(values);
  }

  private static List<String> forms(String value) {
    List<String> forms = new ArrayList<>();
    forms.add(value);
    String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8);
    forms.add(encoded);
    forms.add(encoded.replace("+", "%20"));
    forms.add(lowerPercent(encoded));
    forms.add(lowerPercent(encoded.replace("+", "%20")));
    forms.add(new String(JsonStringEncoder.getInstance().quoteAsString(value)));
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    forms.add(Base64.getEncoder().encodeToString(bytes));
    forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    return forms.stream().distinct().toList();
  }

  private static String lowerPercent(String encoded) {
    StringBuilder out = new StringBuilder(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%' && i + 2 < encoded.length()) {
        out.append('%').append(encoded.substring(i + 1, i + 3).toLowerCase(Locale.ROOT));
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  public boolean isEmpty() {
    return forms.isEmpty();
  }

  /** {@code text} with every value shown as its reference. */
  public String mask(String text) {
    String out = text;
    for (Map.Entry<String, String> form : forms) {
      out = out.replace(form.getKey(), form.getValue());
    }
    return out;
  }
}
