"""One-off (docs/benchmarks.md, section 3): the DuckDB usage rollup of the 100k data one month at a time,
because DuckDB 1.1 runs out of memory on the whole at once. Paths are those of the run it was written for."""
import sys, time, json, os
sys.path.insert(0, "/work/bench/bench")
import bench, duckdb
data = "/tmp/big/data"
con = duckdb.connect(); con.execute("SET TimeZone = 'UTC'"); con.execute("SET threads = 2")
con.execute("SET memory_limit = '5GB'"); con.execute("SET preserve_insertion_order = false")
con.execute("SET temp_directory = '/tmp/bench/duckdb_tmp'")
usage = data + "/usage_events/**/*.parquet"; accounts = data + "/accounts/*.parquet"
sql = bench.ROLLUP_SQL.split(";")[0]  # the user rollup statement
sel = sql[sql.index("select"):]
load = bench.loadavg(); t0 = time.time()
con.execute("create table accts as select account_id from read_parquet('%s')" % accounts)
first = True
months = [r[0] for r in con.execute("select distinct date_trunc('month', event_date) from read_parquet(?, hive_partitioning = true) order by 1", [usage]).fetchall()]
for m in months:
    q = sel.format(usage=usage, accounts=accounts).replace("where account_id in (select account_id from read_parquet('%s'))" % accounts,
        "where account_id in (select account_id from accts) and event_time >= timestamptz '%s' and event_time < timestamptz '%s' + interval 1 month" % (m, m))
    con.execute(("create table user_activity_daily as " if first else "insert into user_activity_daily ") + q)
    first = False
rest = bench.ROLLUP_SQL.split(";")[1:]
con.execute(";".join(rest).format(out="/tmp/bench/100000/duckdb"))
t = time.time() - t0
n = con.execute("select count(*) from read_parquet(?, hive_partitioning = false)", [usage]).fetchone()[0]
tot = {k: con.execute(bench.CHECKS[k].format(t=k)).fetchall() for k in ("user_activity_daily", "account_usage_daily")}
r = {"usage rollup s": t, "months": len(months), "events": n, "load_before": load, "load_after": bench.loadavg(), "totals": tot}
json.dump(r, open("/tmp/bench/duck100k.json", "w"), default=str, indent=1)
print(json.dumps(r, default=str))
