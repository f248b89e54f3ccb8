package io.promgate.read;

import static io.promgate.read.ReadRequests.m;
import static io.promgate.read.ReadRequests.query;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.promgate.testing.PromgateWithInfluxDb;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/**
 * Every {@link RemoteReadEndpointTest} assertion again, on the default read path: InfluxQL
 * {@code SELECT}s over HTTP ({@code remote_read.influxdb_storage_address} unset), which the parent
 * class does not reach when InfluxDB's storage service is available.
 */
@QuarkusTest
@TestProfile(PromgateWithInfluxDb.InfluxQlReadPath.class)
class RemoteReadEndpointInfluxQlTest extends RemoteReadEndpointTest {
  @Test
  void read_storageAddressUnset_readsThroughInfluxQlOnly() {
    double queries = metricValue("promgate_remote_read_influxdb_queries_total");
    read(query(T0, T0 + STEP, m("__name__", "=", metric("rr_influxql_probe"))));
    assertTrue(metricValue("promgate_remote_read_influxdb_queries_total") > queries, "InfluxQL statements were sent");
    assertEquals(0.0, metricValue("promgate_remote_read_influxdb_storage_reads_total"), "storage service unused");
  }
}
