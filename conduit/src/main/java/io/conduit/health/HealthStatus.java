package io.conduit.health;

/** The serving status of grpc.health.v1 (doc/health-checking.md), with its wire numbers. */
public enum HealthStatus {
  /** The status is not known. */
  UNKNOWN,
  /** The service is ready for calls. */
  SERVING,
  /** The service is not ready for calls. */
  NOT_SERVING,
  /** Only in Watch responses: the service is not known (yet). */
  SERVICE_UNKNOWN;

  static HealthStatus of(int number) {
    return number >= 0 && number < values().length ? values()[number] : UNKNOWN;
  }
}
