import { chaosTests } from './chaos-suite.js';

// The long tier: CHORUS_RAFT_SEEDS long runs per cluster size (see chaos-suite.ts).
chaosTests('long');
