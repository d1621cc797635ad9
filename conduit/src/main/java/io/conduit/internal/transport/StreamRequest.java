package io.conduit.internal.transport;

import io.conduit.Compressor;
import io.conduit.Deadline;
import io.conduit.Metadata;
import io.conduit.MethodDescriptor;

/**
 * What a client stream is opened with. {@code compressor} is null for identity; {@code
 * maxOutboundMessageSize} is -1 for no limit.
 */
public record StreamRequest(MethodDescriptor<?, ?> method, Metadata headers, Deadline deadline,
    Compressor compressor, int maxInboundMessageSize, int maxOutboundMessageSize) {}
