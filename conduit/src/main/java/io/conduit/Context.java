package io.conduit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;

/**
 * The scope a piece of work runs in: a deadline, a cancellation signal and typed values, carried
 * on the current thread.
 *
 * <p>A server runs each handler callback in the call's context, so client calls made from a
 * handler inherit the remaining deadline and are cancelled when the incoming call is cancelled.
 * To carry a context to another thread, use {@link #wrap(Runnable)} or {@link #executor}.
 *
 * <pre>{@code
 * Context ctx = Context.current();
 * executor.execute(ctx.wrap(() -> stub.sayHello(request)));   // same deadline, same cancellation
 * }</pre>
 */
public class Context {

  /** A typed key for values carried in a context. */
  public static final class Key<T> {
    private final String name;

    private Key(String name) {
      this.name = name;
    }

    /**
     * A new key; keys are compared by identity, {@code name} is for debugging.
     *
     * @param <T> the type of the key's values
     * @param name the key's name, for debugging
     * @return a new key
     */
    public static <T> Key<T> of(String name) {
      return new Key<>(Objects.requireNonNull(name, "name"));
    }

    /** {@return the value in the current context, or {@code null}} */
    public T get() {
      return Context.current().get(this);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** The context with no deadline, no values, never cancelled. */
  public static final Context ROOT = new Context(null, new Object[0], null);

  private static final ThreadLocal<Context> CURRENT = new ThreadLocal<>();

  private final Context parent;
  /**
   * Key, value, key, value...: a context holds a handful of values (the peer, the call's info,
   * a tracer's span), and every server call derives one, so a flat array beats a map in both the
   * copy on {@link #withValue} and the lookup. Never modified once the context exists.
   */
  private final Object[] values;
  private final Deadline deadline;

  Context(Context parent, Object[] values, Deadline deadline) {
    this.parent = parent;
    this.values = values;
    this.deadline = deadline;
  }

  /** {@return the current thread's context; {@link #ROOT} when none is attached} */
  public static Context current() {
    Context c = CURRENT.get();
    return c == null ? ROOT : c;
  }

  /** {@return the deadline, or {@code null}} */
  public Deadline deadline() {
    return deadline;
  }

  /**
   * The value of {@code key} in this context or its ancestors, or null.
   *
   * @param <T> the type of the key's values
   * @param key the key to look up
   * @return the value, or {@code null}
   */
  @SuppressWarnings("unchecked")
  public <T> T get(Key<T> key) {
    int at = indexOf(key);
    return at < 0 ? null : (T) values[at + 1];
  }

  /** {@return whether this context, or one it derives from, was cancelled} */
  public boolean isCancelled() {
    return parent != null && parent.isCancelled();
  }

  /**
   * Why it was cancelled, or {@code null}.
   *
   * @return the cause, or {@code null} while not cancelled
   */
  public Throwable cancellationCause() {
    return parent == null ? null : parent.cancellationCause();
  }

  /**
   * Runs {@code listener} once when this context is cancelled (at once if it is).
   *
   * @param listener what to run on cancellation
   */
  public void addListener(Runnable listener) {
    if (parent != null) {
      parent.addListener(listener);
    }
  }

  /**
   * Removes a listener added with {@link #addListener}.
   *
   * @param listener the listener to remove
   */
  public void removeListener(Runnable listener) {
    if (parent != null) {
      parent.removeListener(listener);
    }
  }

  /**
   * A child carrying {@code value} under {@code key}.
   *
   * @param <T> the type of the key's values
   * @param key the key
   * @param value the value, not {@code null}
   * @return the child context
   */
  public <T> Context withValue(Key<T> key, T value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    int at = indexOf(key);
    Object[] copy;
    if (at >= 0) {
      copy = values.clone();
      copy[at + 1] = value;
    } else {
      copy = Arrays.copyOf(values, values.length + 2);
      copy[values.length] = key;
      copy[values.length + 1] = value;
    }
    return new Context(this, copy, deadline);
  }

  private int indexOf(Key<?> key) {
    for (int i = 0; i < values.length; i += 2) {
      if (values[i] == key) {
        return i;
      }
    }
    return -1;
  }

  /** {@return a cancellable child; cancelled when this one is, or by its own {@code cancel}} */
  public CancellableContext withCancellation() {
    return new CancellableContext(this, values, deadline);
  }

  /**
   * A cancellable child with the earlier of this deadline and {@code newDeadline}.
   *
   * @param newDeadline the deadline to apply
   * @return the child context
   */
  public CancellableContext withDeadline(Deadline newDeadline) {
    return new CancellableContext(this, values, newDeadline.minimum(deadline));
  }

  /**
   * Attaches this context to the current thread; returns the previous one for {@link #detach}.
   *
   * @return the context that was current before
   */
  public Context attach() {
    Context previous = CURRENT.get();
    CURRENT.set(this);
    return previous == null ? ROOT : previous;
  }

  /**
   * Restores {@code previous} (the value {@link #attach} returned).
   *
   * @param previous the context to make current again
   */
  public void detach(Context previous) {
    CURRENT.set(previous == ROOT ? null : previous);
  }

  /**
   * Runs {@code task} with this context current, then restores the previous one.
   *
   * @param task what to run
   */
  public void run(Runnable task) {
    Context previous = attach();
    try {
      task.run();
    } finally {
      detach(previous);
    }
  }

  /**
   * Calls {@code task} with this context current, then restores the previous one.
   *
   * @param <T> the type of the task's result
   * @param task what to call
   * @return the task's result
   * @throws Exception whatever the task throws
   */
  public <T> T call(Callable<T> task) throws Exception {
    Context previous = attach();
    try {
      return task.call();
    } finally {
      detach(previous);
    }
  }

  /**
   * {@code task} bound to run in this context on whatever thread runs it.
   *
   * @param task what to run
   * @return a task that runs {@code task} in this context
   */
  public Runnable wrap(Runnable task) {
    return () -> run(task);
  }

  /**
   * An executor that runs every task in this context.
   *
   * @param delegate the executor that runs the tasks
   * @return an executor that runs each task in this context on {@code delegate}
   */
  public Executor executor(Executor delegate) {
    return task -> delegate.execute(wrap(task));
  }

  /** A context that can be cancelled; cancel it when the work it scopes is over. */
  public static final class CancellableContext extends Context implements AutoCloseable {
    // Guarded by this (not a lock object of its own): a server makes one of these per call.
    private List<Runnable> listeners;
    private Throwable cause;
    private boolean cancelled;
    /** Null when no ancestor can be cancelled (a call's context under ROOT): nothing to hear. */
    private final Runnable parentListener;

    CancellableContext(Context parent, Object[] values, Deadline deadline) {
      super(parent, values, deadline);
      if (cancellable(parent)) {
        this.parentListener = () -> cancel(parent.cancellationCause());
        parent.addListener(parentListener);
      } else {
        this.parentListener = null;
      }
    }

    /** Whether {@code context} or an ancestor of it can be cancelled. */
    private static boolean cancellable(Context context) {
      for (Context c = context; c != null; c = parentOf(c)) {
        if (c instanceof CancellableContext) {
          return true;
        }
      }
      return false;
    }

    @Override
    public boolean isCancelled() {
      synchronized (this) {
        if (cancelled) {
          return true;
        }
      }
      return super.isCancelled();
    }

    @Override
    public Throwable cancellationCause() {
      synchronized (this) {
        if (cancelled) {
          return cause;
        }
      }
      return super.cancellationCause();
    }

    @Override
    public void addListener(Runnable listener) {
      synchronized (this) {
        if (!cancelled) {
          if (listeners == null) {
            listeners = new ArrayList<>(2);
          }
          listeners.add(listener);
          return;
        }
      }
      listener.run();
    }

    @Override
    public void removeListener(Runnable listener) {
      synchronized (this) {
        if (listeners != null) {
          listeners.remove(listener);
        }
      }
    }

    /**
     * Cancels this context and its descendants; returns false if it was cancelled already.
     *
     * @param cause why it is cancelled; may be {@code null}
     * @return whether this call cancelled it
     */
    public boolean cancel(Throwable cause) {
      List<Runnable> toRun;
      synchronized (this) {
        if (cancelled) {
          return false;
        }
        cancelled = true;
        this.cause = cause;
        toRun = listeners;
        listeners = null;
      }
      if (parentListener != null) {
        parentOf(this).removeListener(parentListener);
      }
      if (toRun != null) {
        for (Runnable r : toRun) {
          r.run();
        }
      }
      return true;
    }

    /** Cancels with no cause. */
    @Override
    public void close() {
      cancel(null);
    }

    private static Context parentOf(Context c) {
      return c.parent;
    }
  }
}
