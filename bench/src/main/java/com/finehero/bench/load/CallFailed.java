package com.finehero.bench.load;

/** A call that did not succeed, labelled by what the server answered (a gRPC code or "HTTP 404"). */
final class CallFailed extends RuntimeException {

    private final String status;

    CallFailed(String status) {
        super(status, null, false, false);
        this.status = status;
    }

    String status() {
        return status;
    }
}
