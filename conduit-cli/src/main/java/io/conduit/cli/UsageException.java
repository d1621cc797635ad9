package io.conduit.cli;

/** Input the command cannot act on: a bad flag, an unknown name, a request that does not parse. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
