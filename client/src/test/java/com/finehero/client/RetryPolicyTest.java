package com.finehero.client;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {

    @Test
    @SuppressWarnings("unchecked")
    void onlyReadingCallsFromTheContractAreRetried() {
        Map<String, Object> config = RetryPolicy.serviceConfig(3);
        Map<String, Object> methodConfig = ((List<Map<String, Object>>) config.get("methodConfig")).getFirst();
        List<Map<String, Object>> names = (List<Map<String, Object>>) methodConfig.get("name");
        assertTrue(names.contains(Map.of("service", "finehero.fines.v1.FinesService", "method", "GetFine")));
        assertTrue(names.contains(Map.of("service", "finehero.documents.v1.DocumentsService", "method", "SearchDocuments")));
        assertFalse(names.contains(Map.of("service", "finehero.fines.v1.FinesService", "method", "PayFine")), "writes are never retried");
        assertFalse(names.contains(Map.of("service", "finehero.auth.v1.AuthService", "method", "Login")));
        Map<String, Object> retry = (Map<String, Object>) methodConfig.get("retryPolicy");
        assertEquals(3.0, retry.get("maxAttempts"));
        assertEquals(List.of("UNAVAILABLE"), retry.get("retryableStatusCodes"));
    }
}
