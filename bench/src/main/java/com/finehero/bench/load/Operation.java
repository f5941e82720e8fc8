package com.finehero.bench.load;

import java.util.concurrent.Callable;

/** One kind of call in a scenario, chosen with probability proportional to its weight. */
record Operation(String name, int weight, Callable<?> call) { }
