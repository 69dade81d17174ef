/* Shared helpers for the Check unit tests: each tests/check_<module>.c builds its own binary. */
#ifndef WSC_CHECK_COMMON_H
#define WSC_CHECK_COMMON_H

#include <check.h>
#include <stdlib.h>

/* Define main() for a test binary whose only suite is made by fn. */
#define CHECK_MAIN(fn)                               \
    int main(void)                                   \
    {                                                \
        SRunner *sr = srunner_create(fn());          \
        srunner_run_all(sr, CK_NORMAL);              \
        int failed = srunner_ntests_failed(sr);      \
        srunner_free(sr);                            \
        return failed ? EXIT_FAILURE : EXIT_SUCCESS; \
    }

#endif
