package com.finehero.bench;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/** Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s (a precomputed CDF). */
final class Zipf {

    private final double[] cdf;

    Zipf(int n, double s) {
        cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1 / Math.pow(i + 1, s);
            cdf[i] = sum;
        }
        for (int i = 0; i < n; i++) {
            cdf[i] /= sum;
        }
    }

    int next() {
        int index = Arrays.binarySearch(cdf, ThreadLocalRandom.current().nextDouble());
        return index >= 0 ? index : Math.min(cdf.length - 1, -index - 1);
    }
}
