/** The canonical JSON form of the task model, shared by the stores. */
@NullMarked
package dev.schedulerd.api.json;

import org.jspecify.annotations.NullMarked;
