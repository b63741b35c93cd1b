import { chaosTests } from './chaos-suite.js';

// Share 1 of 4 of the fast tier: many short seeded runs (see chaos-suite.ts). Four files so tap runs them in parallel.
chaosTests('fast', 1, 4);
