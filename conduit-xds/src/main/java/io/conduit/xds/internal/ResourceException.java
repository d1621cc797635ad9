package io.conduit.xds.internal;

/** A resource that fails validation: its message names the field, and goes back in the NACK. */
final class ResourceException extends Exception {
  private static final long serialVersionUID = 1L;

  ResourceException(String message) {
    super(message);
  }
}
