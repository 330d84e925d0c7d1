package dev.schedulerd.bench;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the places allowed to touch a banned API: a benchmark reads the wall clock (runs in several
 * processes are compared by it) and prints its table on stdout.
 */
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.FIELD, ElementType.CONSTRUCTOR})
@interface SuppressForbidden {
  String reason();
}
