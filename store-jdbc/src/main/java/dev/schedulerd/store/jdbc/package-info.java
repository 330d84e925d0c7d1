/**
 * What the SQL stores share: {@link dev.schedulerd.store.jdbc.JdbcTaskStore} holds every query and
 * conditional write once; a store module brings its {@link dev.schedulerd.store.jdbc.Transactions}
 * (how it reaches the database: SQLite's writer thread and reader pool, PostgreSQL's connection
 * pool) and its {@link dev.schedulerd.store.jdbc.Dialect} (what its SQL does differently).
 */
@NullMarked
package dev.schedulerd.store.jdbc;

import org.jspecify.annotations.NullMarked;
