package dev.schedulerd.mcp;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the few places allowed to touch a banned API (the real stdout, which the MCP transport
 * owns; a Unix socket peer's credentials; polling another process). The forbidden-apis check skips
 * code carrying it; say why in its reason.
 */
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.FIELD, ElementType.CONSTRUCTOR})
public @interface SuppressForbidden {
  String reason();
}
