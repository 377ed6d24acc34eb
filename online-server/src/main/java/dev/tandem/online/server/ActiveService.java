package dev.tandem.online.server;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@link OnlineService} (spec + model) that calls use now. A call leases one for its whole
 * run, so its features and its scores come from the same spec and model; {@link #swap} replaces
 * it atomically, and the replaced one is closed (its model freed) when its last call ends.
 */
final class ActiveService implements AutoCloseable {

  /** A service held by one call; close it when the call ends. */
  static final class Lease implements AutoCloseable {
    private final OnlineService service;
    private final AtomicInteger holders = new AtomicInteger(1); // 1: held by ActiveService itself until swapped out

    private Lease(OnlineService service) {
      this.service = service;
    }

    OnlineService service() {
      return service;
    }

    @Override
    public void close() {
      if (holders.decrementAndGet() == 0) {
        service.close();
      }
    }
  }

  private final AtomicReference<Lease> current;

  ActiveService(OnlineService first) {
    current = new AtomicReference<>(new Lease(first));
  }

  /** The service now, held until the lease is closed. */
  Lease lease() {
    while (true) {
      Lease lease = current.get();
      int holders = lease.holders.get();
      // 0 holders: swapped out and closed meanwhile; read current again.
      if (holders > 0 && lease.holders.compareAndSet(holders, holders + 1)) {
        return lease;
      }
    }
  }

  /** The service now, for what does not run a call (banner, tests); not held. */
  OnlineService peek() {
    return current.get().service();
  }

  /** Serves {@code next} from now on; the previous one closes when its last call ends. */
  void swap(OnlineService next) {
    current.getAndSet(new Lease(next)).close();
  }

  @Override
  public void close() {
    current.get().close();
  }
}
