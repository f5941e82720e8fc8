package com.finehero.server.fines;

import java.util.Collection;
import java.util.Set;

/**
 * What fines need to know about documents: which cited ids exist. The documents service provides it
 * in the wiring, so the fines package does not depend on the documents package.
 */
@FunctionalInterface
interface CitedDocuments {

    /** The ids among {@code ids} that are documents that exist and are not deleted. */
    Set<String> existing(Collection<String> ids);
}
