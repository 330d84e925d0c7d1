package dev.schedulerd.runtime;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ticker: the one latency-critical loop. Each round starts the claimed runs now due, takes what
 * is due within the claim look-ahead off the queue (for the claimer, or claims it here), and
 * watches the runs in flight; then it sleeps on the queue until the next due instant, deadline or
 * renewal, or until woken.
 */
final class Ticker {
  private static final Logger log = LoggerFactory.getLogger(Ticker.class);

  private final InstantSource clock;
  private final DispatchQueue queue;
  private final Absences absences;
  private final Claims claims;
  private final RunWatch runWatch;
  private final SchedulerEvents events;
  private final Duration claimAhead;
  private final boolean manualTicks;
  private final AtomicLong wakeUps = new AtomicLong();

  /**
   * @param claimAhead how long before their due instant runs are claimed (zero: at it)
   * @param manualTicks no claimer thread: claims are made on the calling thread
   */
  Ticker(
      InstantSource clock,
      DispatchQueue queue,
      Absences absences,
      Claims claims,
      RunWatch runWatch,
      SchedulerEvents events,
      Duration claimAhead,
      boolean manualTicks) {
    this.clock = clock;
    this.queue = queue;
    this.absences = absences;
    this.claims = claims;
    this.runWatch = runWatch;
    this.events = events;
    this.claimAhead = claimAhead;
    this.manualTicks = manualTicks;
  }

  long wakeUps() {
    return wakeUps.get();
  }

  void resetCount() {
    wakeUps.set(0);
  }

  /** The ticker thread's loop, until {@code stop} holds. */
  void run(BooleanSupplier stop) {
    while (!stop.getAsBoolean()) {
      Instant wakeAt;
      try {
        tickOnce();
        wakeAt = nextWake();
      } catch (RuntimeException e) {
        log.error("Ticker round failed; retrying in {}", Scheduler.STORE_RETRY_DELAY, e);
        wakeAt = clock.instant().plus(Scheduler.STORE_RETRY_DELAY);
      }
      if (stop.getAsBoolean()) {
        return;
      }
      try {
        queue.awaitUntil(wakeAt, clock);
      } catch (InterruptedException e) {
        return;
      }
      wakeUps.incrementAndGet();
      events.tickerWokeUp();
    }
  }

  /** One round: start due runs, claim what is due soon, watch the runs in flight. */
  void tickOnce() {
    if (absences.paused()) {
      claims.handBack(); // claimed just before the pause: not started
      runWatch.check(clock.instant());
      return;
    }
    claims.startDue(clock.instant());
    Instant now = clock.instant();
    List<QueueEntry> entries = queue.takeDispatchable(now.plus(claimAhead));
    if (!entries.isEmpty()) {
      if (claimAsync()) {
        claims.request(entries); // the ticker never waits for the store
      } else {
        claims.claimBatch(entries);
        claims.startDue(clock.instant());
      }
    }
    runWatch.check(clock.instant());
  }

  private boolean claimAsync() {
    return !manualTicks && !claimAhead.isZero();
  }

  /**
   * The earliest of: the next claim look-ahead, the next claimed run's due instant, the next run
   * deadline, the next lease renewal.
   */
  private @Nullable Instant nextWake() {
    Instant nextDue = absences.paused() ? null : queue.nextDue();
    Instant wake = nextDue == null ? null : nextDue.minus(claimAhead);
    Instant nextStart = claims.nextStart();
    if (nextStart != null) {
      wake = RunWatch.earliest(wake, nextStart);
    }
    Instant check = runWatch.nextCheck();
    if (check != null) {
      wake = RunWatch.earliest(wake, check);
    }
    return wake;
  }
}
