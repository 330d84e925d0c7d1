/** The web dashboard the background daemon serves: sign-in, JSON API, live events, static pages. */
@NullMarked
package dev.schedulerd.mcp.dashboard;

import org.jspecify.annotations.NullMarked;
