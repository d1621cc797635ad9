/**
 * Backend load reports (ORCA, gRFC A51) for clients that balance by them: a server's
 * {@link io.conduit.xds.orca.ServerMetricRecorder}, a call's
 * {@link io.conduit.xds.orca.CallMetricRecorder}, and the interceptor that sends them
 * ({@link io.conduit.xds.orca.OrcaReporting}).
 */
package io.conduit.xds.orca;
