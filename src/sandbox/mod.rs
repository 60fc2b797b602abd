//! Local MariaDB/MySQL servers: the `cdc sandbox` and the test harness.
