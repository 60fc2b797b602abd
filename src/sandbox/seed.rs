//! The retail_db sample (the Lakeflow Connect MySQL workshop schema) and the CDC user.
//! Both loads are idempotent so `cdc sandbox up` can run them on every start.

use crate::connection::server::Version;
use crate::validate::crud::create_table_sql;
use crate::validate::table::TableRef;
use crate::validate::target::Engine;

use super::client::{connect, exec_all};
use super::{LocalServer, SandboxError};
use crate::connection::sql::literal;

/// Tables exactly as the workshop defines them, made re-runnable; orders references
/// customers, so customers comes first.
const SCHEMA: &str = "
CREATE DATABASE IF NOT EXISTS retail_db;
CREATE TABLE IF NOT EXISTS retail_db.customers (
    customer_id INT PRIMARY KEY AUTO_INCREMENT,
    first_name VARCHAR(50),
    last_name VARCHAR(50),
    email VARCHAR(100),
    phone VARCHAR(20),
    address VARCHAR(200),
    city VARCHAR(50),
    state VARCHAR(2),
    zip_code VARCHAR(10),
    created_date DATETIME DEFAULT CURRENT_TIMESTAMP,
    last_updated DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS retail_db.orders (
    order_id INT PRIMARY KEY AUTO_INCREMENT,
    customer_id INT,
    order_date DATETIME DEFAULT CURRENT_TIMESTAMP,
    order_status VARCHAR(20),
    total_amount DECIMAL(10, 2),
    shipping_address VARCHAR(200),
    payment_method VARCHAR(50),
    created_date DATETIME DEFAULT CURRENT_TIMESTAMP,
    last_updated DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    FOREIGN KEY (customer_id) REFERENCES customers(customer_id)
) ENGINE=InnoDB;
CREATE TABLE IF NOT EXISTS retail_db.products (
    product_id INT PRIMARY KEY AUTO_INCREMENT,
    product_name VARCHAR(100),
    category VARCHAR(50),
    price DECIMAL(10, 2),
    stock_quantity INT,
    supplier VARCHAR(100),
    description TEXT,
    created_date DATETIME DEFAULT CURRENT_TIMESTAMP,
    last_updated DATETIME DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP
) ENGINE=InnoDB;
";

/// The workshop's rows. Each INSERT ... SELECT ... WHERE NOT EXISTS only fills an
/// empty table, so a re-run neither duplicates rows nor overwrites a user's edits.
const DATA: &str = "
INSERT INTO retail_db.customers (first_name, last_name, email, phone, city, state)
SELECT * FROM (
    SELECT 'John', 'Doe', 'john.doe@email.com', '555-0100', 'New York', 'NY' UNION ALL
    SELECT 'Sarah', 'Johnson', 'sarah.j@email.com', '555-0101', 'Los Angeles', 'CA' UNION ALL
    SELECT 'Michael', 'Brown', 'michael.b@email.com', '555-0102', 'Chicago', 'IL'
) AS v WHERE NOT EXISTS (SELECT 1 FROM retail_db.customers);
INSERT INTO retail_db.products (product_name, category, price, stock_quantity, supplier)
SELECT * FROM (
    SELECT 'Laptop Pro', 'Electronics', 1299.99, 50, 'Tech Supply Co' UNION ALL
    SELECT 'Wireless Mouse', 'Electronics', 29.99, 200, 'Tech Supply Co' UNION ALL
    SELECT 'Office Chair', 'Furniture', 249.99, 30, 'Office Depot'
) AS v WHERE NOT EXISTS (SELECT 1 FROM retail_db.products);
INSERT INTO retail_db.orders (customer_id, order_status, total_amount, shipping_address, payment_method)
SELECT * FROM (
    SELECT 1, 'PENDING', 1329.98, '123 Main St, New York, NY 10001', 'Credit Card' UNION ALL
    SELECT 2, 'PROCESSING', 29.99, '456 Oak Ave, Los Angeles, CA 90001', 'PayPal' UNION ALL
    SELECT 3, 'SHIPPED', 249.99, '789 Pine Rd, Chicago, IL 60601', 'Credit Card'
) AS v WHERE NOT EXISTS (SELECT 1 FROM retail_db.orders);
";

/// Creates retail_db with customers, orders and products and their 3 sample rows each.
pub fn load_retail_db(server: &LocalServer) -> Result<(), SandboxError> {
    server.exec(SCHEMA)?;
    server.exec(DATA)
}

/// Creates (or re-passwords) `'cdc_user'@'%'` with the privileges a CDC connector needs
/// for a snapshot plus binlog streaming, and nothing more.
pub fn create_cdc_user(server: &LocalServer, password: &str) -> Result<(), SandboxError> {
    let pw = literal(password);
    let mut sql = format!(
        "CREATE USER IF NOT EXISTS 'cdc_user'@'%' IDENTIFIED BY {pw};
         ALTER USER 'cdc_user'@'%' IDENTIFIED BY {pw};
         GRANT REPLICATION SLAVE, REPLICATION CLIENT, SELECT, RELOAD, SHOW DATABASES, LOCK TABLES
             ON *.* TO 'cdc_user'@'%';"
    );
    // MariaDB 10.5 split REPLICATION CLIENT; SHOW BINARY LOGS now needs BINLOG MONITOR.
    // REPLICATION CLIENT is an alias for it, but saying so keeps SHOW GRANTS obvious.
    if needs_binlog_monitor(server.query_value("SELECT VERSION()")?.as_deref()) {
        sql.push_str("GRANT BINLOG MONITOR ON *.* TO 'cdc_user'@'%';");
    }
    server.exec(&sql)
}

/// Creates `retail_db.cdc_canary` (the table `cdc validate --init` makes) and lets cdc_user
/// write to that table alone, so `cdc validate --crud` runs on the sandbox as it is. Runs
/// after [`create_cdc_user`], on every `cdc sandbox up` (a sandbox started by an older cdc
/// gets it too); idempotent.
pub fn create_canary(port: u16) -> Result<(), SandboxError> {
    let canary = TableRef {
        schema: "retail_db".into(),
        name: "cdc_canary".into(),
    };
    let mut root = connect("127.0.0.1", port, "root", "")?;
    exec_all(
        &mut root,
        &format!(
            "{};
             GRANT INSERT, UPDATE, DELETE ON {} TO 'cdc_user'@'%';",
            create_table_sql(&canary),
            canary.quoted(Engine::MySql)
        ),
    )
}

fn needs_binlog_monitor(version: Option<&str>) -> bool {
    let Some(v) = version else { return false };
    v.contains("MariaDB") && Version::parse(v).is_some_and(|v| v >= Version::new(10, 5, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binlog_monitor_only_on_new_mariadb() {
        assert!(needs_binlog_monitor(Some("10.11.6-MariaDB-0+deb12u1-log")));
        assert!(!needs_binlog_monitor(Some("10.4.32-MariaDB")));
        assert!(!needs_binlog_monitor(Some("8.0.36")));
        assert!(!needs_binlog_monitor(None));
    }

    #[test]
    fn schema_is_rerunnable() {
        assert_eq!(SCHEMA.matches("CREATE TABLE IF NOT EXISTS").count(), 3);
        assert_eq!(DATA.matches("WHERE NOT EXISTS").count(), 3);
    }
}
