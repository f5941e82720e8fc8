package com.finehero.bench.load;

import java.util.List;

/** A named workload: it seeds what it needs, then offers its weighted operations. */
interface Scenario {

    String name();

    List<Operation> prepare(Calls calls) throws Exception;
}
