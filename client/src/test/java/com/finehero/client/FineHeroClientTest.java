package com.finehero.client;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class FineHeroClientTest {

    @Test
    void builderChecksItsArguments() {
        assertEquals("port: 0 (expected: 1-65535)",
                assertThrows(IllegalArgumentException.class, () -> FineHeroClient.builder().target("h", 0)).getMessage());
        assertEquals("deadline: PT0S (expected: > 0)",
                assertThrows(IllegalArgumentException.class, () -> FineHeroClient.builder().deadline(Duration.ZERO)).getMessage());
        assertThrows(IllegalStateException.class, () -> FineHeroClient.builder().build());
    }
}
