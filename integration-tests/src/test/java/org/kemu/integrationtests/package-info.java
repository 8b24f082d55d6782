/**
 * integration-tests: end-to-end suites (failsafe *IT), fault-injection sweeps and invariant checks over the composed kernel.
 */
package org.kemu.integrationtests;
