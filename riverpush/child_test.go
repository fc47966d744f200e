package riverpush

// childEnv, when set, makes the test binary a worker process of the
// multi-process tests instead of running tests.
const childEnv = "RIVERPUSH_TEST_CHILD"

func runChild() int { return 2 }
