"""cslake benchmark: scale, incremental cost, and DuckDB as the single-node reference (bench/run).

For each scale (accounts x 24 months of generated data):
  1. generate the data once (reused when present);
  2. full run: `bin/cslake run` on a fresh lakehouse with the last day of usage events held back
     (a source filter), as of the day before; per-stage wall time and rows from the lakehouse's _runs
     table and the job logs, peak driver heap from the JVM's GC log, process RSS by polling /proc;
  3. incremental run: the same command with the held-back day let in, as of that day (ingest reads
     only the new day; train is skipped because the registered model still fits);
  4. DuckDB on the same Parquet: the usage rollup, account-month MRR + MRR movements and the cohort
     retention in SQL, timed, and their totals checked against cslake's tables.
Results go to <out>/results.json (all scales measured so far are kept) and <out>/results.md.

With --standalone MEM the jobs run on a Spark standalone master and one worker (every core, MEM for
its executor) that bench starts on loopback from bin/cslake's own classpath and stops at the end:
bin/cslake's JVM is then the driver alone, so its GC log and RSS are the driver's, not the tasks'.
"""
import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import duckdb

import delta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGES = ["ingest", "metrics", "features", "train", "score", "clv"]
GEN_ARGS = ["--months", "24", "--start", "2024-11-01", "--events-scale", "0.005", "--seed", "42"]
SOURCES = ["accounts", "subscriptions", "usage_events", "support_tickets", "surveys", "contacts",
           "milestones", "csm_activities", "referrals", "churn_events", "invoices", "fx_rates",
           "transactions"]
FEATURES = ["dashboards", "reports", "collaboration", "alerts", "automation", "integrations",
            "mobile", "admin", "api"]


def log(msg):
    print("bench %s %s" % (dt.datetime.utcnow().strftime("%H:%M:%S"), msg), flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1),
            "kernel": os.uname().release, "java": java, "duckdb": duckdb.__version__,
            "python": sys.version.split()[0]}


# ---------------------------------------------------------------- data and configuration

def ensure_data(n, data_dir, env):
    if os.path.exists(os.path.join(data_dir, "accounts")) and os.path.exists(
            os.path.join(data_dir, "usage_events")):
        log("data for %d accounts: reusing %s" % (n, data_dir))
        return None
    log("generating %d accounts into %s" % (n, data_dir))
    t0 = time.time()
    subprocess.run([os.path.join(ROOT, "bin/cslake"), "generate", "--accounts", str(n)] + GEN_ARGS
                   + ["--out", data_dir], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return time.time() - t0


def last_event_day(data_dir):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    day = con.execute("select max(cast(event_time as date)) from read_parquet(?, hive_partitioning = false)",
                      [os.path.join(data_dir, "usage_events", "**", "*.parquet")]).fetchone()[0]
    con.close()
    return day


def write_conf(path, lakehouse, data_dir, partitions, usage_filter, master="local[*]"):
    lines = ["cslake {", '  lakehouse = "%s"' % lakehouse, "  spark {", '    master = "%s"' % master,
             "    shuffle-partitions = %d" % partitions, "  }",
             "  engagement.features = [%s]" % ", ".join('"%s"' % f for f in FEATURES),
             "  sources {"]
    for s in SOURCES:
        lines.append('    %s.path = "%s"' % (s, os.path.join(data_dir, s)))
    lines.append('    accounts.attributes = ["contract_type", "payment_method", "employee_band"]')
    if usage_filter:
        lines.append('    usage_events.filter = "%s"' % usage_filter)
    lines += ["  }", "}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- a standalone cluster (--standalone)

def launch_command():
    """bin/cslake's java command (CSLAKE_DRY_RUN): (java options, classpath entries)."""
    env = dict(os.environ, CSLAKE_DRY_RUN="1")
    words = subprocess.run([os.path.join(ROOT, "bin/cslake"), "--help"], env=env, cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.splitlines()
    cp = words[words.index("-cp") + 1].split(":")
    opts = [w for w in words[1:words.index("-cp")] if w.startswith("--add-opens") or w.startswith("-Djdk.")]
    return opts, cp


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Standalone:
    """A Spark standalone master and one worker of every core on loopback, from bin/cslake's classpath
    (a SPARK_HOME whose jars/ links each jar of it, as a cluster's Spark distribution brings them);
    the cslake jar reaches the executor through spark.jars. Stopped (with the executors) by close()."""

    def __init__(self, work, memory):
        opts, cp = launch_command()
        self.app_jar, self.memory = cp[0], memory
        home = os.path.join(work, "standalone", "spark-home")
        jars = os.path.join(home, "jars")
        shutil.rmtree(home, ignore_errors=True)
        os.makedirs(jars)
        for entry in cp[1:]:
            name = os.path.basename(entry)
            if entry.endswith(".jar") and os.path.isfile(entry) and not os.path.exists(os.path.join(jars, name)):
                os.symlink(os.path.abspath(entry), os.path.join(jars, name))
        env = dict(os.environ, SPARK_HOME=home, SPARK_SCALA_VERSION="2.12", SPARK_LOCAL_IP="127.0.0.1")
        java = ["java"] + opts + ["-Xmx512m", "-cp", os.path.join(jars, "*")]
        port, web = free_port(), free_port()
        self.url = "spark://127.0.0.1:%d" % port
        logs = os.path.join(work, "standalone")
        self.procs = []
        try:
            self.procs.append(subprocess.Popen(
                java + ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
                        "--webui-port", str(web)], env=env,
                stdout=open(os.path.join(logs, "master.log"), "w"), stderr=subprocess.STDOUT))
            work_dir = os.path.join(logs, "worker")
            os.makedirs(work_dir, exist_ok=True)
            self.procs.append(subprocess.Popen(
                java + ["org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores",
                        str(os.cpu_count()), "--memory", memory, "--webui-port", str(free_port()),
                        "--work-dir", work_dir, self.url], env=env,
                stdout=open(os.path.join(logs, "worker.log"), "w"), stderr=subprocess.STDOUT))
            deadline = time.time() + 90
            while True:
                if any(p.poll() is not None for p in self.procs):
                    raise RuntimeError("a standalone daemon exited: see %s/*.log" % logs)
                try:
                    with urllib.request.urlopen("http://127.0.0.1:%d/json/" % web, timeout=5) as r:
                        if json.load(r).get("aliveworkers", 0) >= 1:
                            break
                except OSError:
                    pass
                if time.time() > deadline:
                    raise RuntimeError("the standalone worker did not register in 90 s: see %s/*.log" % logs)
                time.sleep(0.5)
        except BaseException:
            self.close()
            raise
        log("standalone master %s, one worker of %d cores and %s" % (self.url, os.cpu_count(), memory))

    def java_opts(self):
        """What bin/cslake's driver needs to use the cluster: the cslake jar and the executor's heap."""
        return "-Dspark.jars=%s -Dspark.executor.memory=%s" % (self.app_jar, self.memory)

    def close(self):
        for p in reversed(self.procs):
            children = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
            p.terminate()
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
            for c in children:  # an executor its worker did not stop
                try:
                    os.kill(int(c), 9)
                except (ProcessLookupError, ValueError):
                    pass


# ---------------------------------------------------------------- one measured cslake process

class Sampler(threading.Thread):
    """Polls /proc/<pid>/status every 0.5 s: (epoch seconds, VmRSS kB) samples and the final VmHWM."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.samples, self.hwm_kb, self.loads = pid, [], 0, []
        self.stop = threading.Event()

    def run(self):
        n = 0
        while not self.stop.is_set():
            try:
                with open("/proc/%d/status" % self.pid) as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.samples.append((time.time(), int(line.split()[1])))
                        elif line.startswith("VmHWM:"):
                            self.hwm_kb = max(self.hwm_kb, int(line.split()[1]))
            except (FileNotFoundError, ProcessLookupError):
                break
            if n % 20 == 0:
                self.loads.append(loadavg()[0])
            n += 1
            self.stop.wait(0.5)


GC_LINE = re.compile(r"^\[([^\]]+)\].*?GC\(\d+\) Pause (.*?) (\d+)M->(\d+)M\((\d+)M\)")


def parse_gc(path):
    """(epoch seconds, heap used before MiB, after MiB, reclaims old) per GC pause of the unified GC
    log; "reclaims old" is a mixed or full collection, after which the heap holds little garbage."""
    out = []
    with open(path) as f:
        for line in f:
            m = GC_LINE.search(line)
            if m:
                t = dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
                old = "Mixed)" in m.group(2) or m.group(2).startswith("Full")
                out.append((t, int(m.group(3)), int(m.group(4)), old))
    return out


def live_peak(gcs):
    """The largest heap left at the end of a mixed phase (MiB): after G1's marking cycle found the
    live objects, its mixed pauses reclaim the old regions worth it, and the heap after the last one
    is the live set plus the garbage G1 chose to leave - an upper bound of the live set, which young
    pauses alone (they leave every old region's garbage) do not give. Full collections count as
    such an end too."""
    ends, last = [], None
    for g in gcs:
        if g[3]:
            last = g[2]
        elif last is not None:
            ends.append(last)
            last = None
    if last is not None:
        ends.append(last)
    return max(ends, default=None)


def add_live_heap(result, workdir):
    """Fills heap_live_peak_mib of a scale measured before it was recorded, from the runs' GC logs."""
    for kind in ("full", "incremental"):
        p, path = result.get(kind), os.path.join(workdir, kind + ".gc.log")
        if not p or "heap_live_peak_mib" in p or not os.path.exists(path):
            continue
        gcs = parse_gc(path)
        p["heap_live_peak_mib"] = live_peak(gcs)
        for st in p["stages"].values():
            st["heap_live_peak_mib"] = live_peak([g for g in gcs if st["start"] <= g[0] <= st["end"]])


def run_cslake(args, workdir, tag, env, driver_memory):
    gc_log = os.path.join(workdir, tag + ".gc.log")
    out_log = os.path.join(workdir, tag + ".out")
    err_log = os.path.join(workdir, tag + ".err")
    env = dict(env)
    env["CSLAKE_DRIVER_MEMORY"] = driver_memory
    env["CSLAKE_JAVA_OPTS"] = (env.get("CSLAKE_JAVA_OPTS", "") + " -Xlog:gc:file=%s:time" % gc_log).strip()
    load_before = loadavg()
    t0 = time.time()
    with open(out_log, "w") as out, open(err_log, "w") as err:
        proc = subprocess.Popen([os.path.join(ROOT, "bin/cslake")] + args, stdout=out, stderr=err,
                                env=env, cwd=ROOT)
        sampler = Sampler(proc.pid)
        sampler.start()
        rc = proc.wait()
        sampler.stop.set()
        sampler.join()
    wall = time.time() - t0
    if rc != 0:
        raise RuntimeError("bin/cslake %s failed (exit %d): see %s" % (" ".join(args), rc, err_log))
    return {"t0": t0, "t1": t0 + wall, "wall_s": wall, "rss_hwm_mib": sampler.hwm_kb / 1024,
            "rss": sampler.samples, "gc": parse_gc(gc_log), "err_log": err_log, "out_log": out_log,
            "load_before": load_before, "load_during_mean": (sum(sampler.loads) / len(sampler.loads))
            if sampler.loads else None, "load_after": loadavg()}


def runs_rows(lakehouse, since):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = con.execute(
        "select command, source, rows_read, epoch(started_at), epoch(ended_at), status, message from "
        + delta.scan(os.path.join(lakehouse, "_runs")) + " where epoch(started_at) >= ? order by ended_at",
        [since]).fetchall()
    con.close()
    return rows


ROLLUP_RE = re.compile(r"ingest user_activity_daily and account_usage_daily: (.*) \(([\d.]+) s\)")
METRIC_RE = re.compile(r"metrics ((?:silver|gold)/\w+): (\d+) rows.*\(([\d.]+) s\)")


def stage_profile(proc, lakehouse):
    """Per stage: wall time and rows from _runs; peak RSS and heap within the stage's window."""
    rows = runs_rows(lakehouse, proc["t0"] - 1)
    stages, sources = {}, {}
    for command, source, read, start, end, status, message in rows:
        if source is None:
            stages[command] = {"start": start, "end": end, "wall_s": end - start, "status": status,
                               "message": message}
        else:
            sources[source] = {"rows_read": read, "end": end, "message": message}
    # per-source ingest time: from the previous source's end (sources are ingested in order)
    prev = stages.get("ingest", {}).get("start")
    for name in sorted(sources, key=lambda s: sources[s]["end"]):
        sources[name]["wall_s"] = sources[name]["end"] - prev
        prev = sources[name]["end"]
    for st in stages.values():
        in_win = [kb for t, kb in proc["rss"] if st["start"] <= t <= st["end"]]
        st["rss_peak_mib"] = max(in_win) / 1024 if in_win else None
        gcs = [g for g in proc["gc"] if st["start"] <= g[0] <= st["end"]]
        st["heap_before_gc_peak_mib"] = max(g[1] for g in gcs) if gcs else None
        st["heap_after_gc_peak_mib"] = max(g[2] for g in gcs) if gcs else None
        st["heap_live_peak_mib"] = live_peak(gcs)
        st["gc_pauses"] = len(gcs)
    with open(proc["err_log"]) as f:
        text = f.read()
    rollup = ROLLUP_RE.search(text)
    metrics_tables = {m.group(1): {"rows": int(m.group(2)), "wall_s": float(m.group(3))}
                      for m in METRIC_RE.finditer(text)}
    ingest_rows = sum(s["rows_read"] or 0 for s in sources.values())
    usage = sources.get("usage_events", {})
    return {
        "total_wall_s": proc["wall_s"],
        "startup_and_other_s": proc["wall_s"] - sum(s["wall_s"] for s in stages.values()),
        "rss_hwm_mib": proc["rss_hwm_mib"],
        "heap_before_gc_peak_mib": max((g[1] for g in proc["gc"]), default=None),
        "heap_after_gc_peak_mib": max((g[2] for g in proc["gc"]), default=None),
        "heap_live_peak_mib": live_peak(proc["gc"]),
        "gc_pauses": len(proc["gc"]),
        "load_before": proc["load_before"], "load_during_mean": proc["load_during_mean"],
        "load_after": proc["load_after"],
        "stages": stages, "sources": sources, "ingest_rows": ingest_rows,
        "usage_events_read": usage.get("rows_read"), "usage_events_s": usage.get("wall_s"),
        "rollup_s": float(rollup.group(2)) if rollup else None,
        "rollup_note": rollup.group(1) if rollup else None,
        "metrics_tables": metrics_tables,
    }


# ---------------------------------------------------------------- DuckDB reference

# The usage rollup, one calendar month at a time: DuckDB 1.1 runs out of memory (4 GB limit) grouping
# 44M events by user and day in one statement (its list() aggregate does not spill), so both rollups
# are built month by month (a day never spans two months). {window} bounds the month.
USER_ROLLUP_SQL = """
{verb}
select account_id, user_id, cast(event_time as date) as event_date,
       count(*) as events,
       count(*) as active_events,
       count(*) filter (where lower(trim(event_type)) = 'login') as logins,
       coalesce(sum(duration_sec), 0) / 60.0 as minutes,
       len(list_sort(list_distinct(list(feature)))) as features_used,
       list_sort(list_distinct(list(feature))) as features
from read_parquet('{usage}', hive_partitioning = false)
where account_id in (select account_id from rollup_accounts) and {window}
group by all
"""
ACCOUNT_ROLLUP_SQL = """
{verb}
select account_id, event_date,
       count(*) filter (where active_events > 0) as active_users, count(*) as users,
       sum(events) as events, sum(active_events) as active_events, sum(logins) as logins,
       sum(minutes) as minutes,
       len(list_sort(list_distinct(flatten(list(features))))) as features_used,
       list_sort(list_distinct(flatten(list(features)))) as features
from user_activity_daily where {window} group by all
"""
ROLLUP_COPY_SQL = """
copy user_activity_daily to '{out}/user_activity_daily.parquet' (format parquet);
copy account_usage_daily to '{out}/account_usage_daily.parquet' (format parquet);
"""


def duckdb_rollup(con, p):
    """The usage rollup in DuckDB, one month of events per statement; returns the number of months."""
    con.execute("create or replace table rollup_accounts as select account_id from read_parquet('%s')"
                % p["accounts"])
    months = [r[0] for r in con.execute(
        "select distinct date_trunc('month', cast(event_time as date)) from read_parquet(?, "
        "hive_partitioning = false) order by 1", [p["usage"]]).fetchall()]
    for table, sql in (("user_activity_daily", USER_ROLLUP_SQL), ("account_usage_daily", ACCOUNT_ROLLUP_SQL)):
        con.execute("drop table if exists " + table)
        for i, m in enumerate(months):
            if table == "user_activity_daily":
                window = ("event_time >= timestamptz '%s 00:00:00+00' and event_time < timestamptz "
                          "'%s 00:00:00+00' + interval 1 month" % (m, m))
            else:
                window = "event_date >= date '%s' and event_date < date '%s' + interval 1 month" % (m, m)
            verb = ("create table %s as" if i == 0 else "insert into %s") % table
            con.execute(sql.format(verb=verb, usage=p["usage"], window=window))
    con.execute(ROLLUP_COPY_SQL.format(**p))
    return len(months)


MRR_SQL = """
-- money(x): x rounded half up to 4 decimals (DuckDB's cast of a 38-digit decimal truncates). Products
-- are first rounded to the scale Spark gives them (decimal(38,11) for amount x rate, (38,6) for the
-- FX effect), so that both engines round the same way twice.
create or replace macro money(x) as cast(round(x, 4) as decimal(18,4));
create or replace table line_months as
with lines as (
  select account_id, product_id, coalesce(seats, 0) as seats,
         upper(trim(coalesce(currency, '{rep}'))) as currency,
         -- amount / months rounded half up at 4 decimals in exact integer arithmetic (a DuckDB
         -- decimal division is a double; Spark's is an exact decimal)
         cast(coalesce(mrr, cast((cast(amount * 10000 as bigint) * 2 + billing_period_months)
                                 // (2 * billing_period_months) as decimal(18,0)) * 0.0001)
              as decimal(18,4)) as local_mrr,
         date_trunc('month', start_date) as f,
         least(coalesce(date_trunc('month', end_date) - interval 1 month, date '{asof_month}'),
               date '{asof_month}') as l
  from read_parquet('{subs}')
), lm as (
  select account_id, product_id, seats, currency, local_mrr,
         cast(unnest(generate_series(f, l, interval 1 month)) as date) as month
  from lines where f <= l
), needed as (
  select distinct currency, month from lm where currency <> '{rep}'
), rates as (
  select n.currency, n.month, arg_max(x.rate_to_reporting, x.date) as rate
  from needed n join read_parquet('{fx}') x
    on upper(trim(x.currency)) = n.currency and x.date <= n.month and x.rate_to_reporting is not null
  group by all
)
select lm.account_id, lm.month, lm.product_id, lm.seats, lm.currency, lm.local_mrr,
       case when lm.currency = '{rep}' then cast(1 as decimal(24,12)) else r.rate end as rate,
       money(cast(lm.local_mrr as decimal(14,4))
             * (case when lm.currency = '{rep}' then cast(1 as decimal(24,12)) else r.rate end)) as mrr
from lm left join rates r using (currency, month);

create or replace table account_month_mrr as
with by_currency as (
  select account_id, month, currency, sum(local_mrr) as local_mrr, max(rate) as rate,
         money(sum(round(cast(local_mrr as decimal(14,4)) * rate, 11))) as mrr
  from line_months group by all
), fx as (
  select c.account_id, c.month,
         cast(sum(money(round(cast(least(c.local_mrr, p.local_mrr) as decimal(14,4))
                           * cast(c.rate - p.rate as decimal(24,12)), 6)))
              as decimal(18,4)) as fx_amount
  from by_currency c join by_currency p
    on p.account_id = c.account_id and p.currency = c.currency
   and cast(p.month + interval 1 month as date) = c.month
  group by all
), products as (
  select account_id, month, product_id, sum(mrr) as mrr from line_months
  where product_id is not null and mrr > 0 group by all
), new_products as (
  select a.account_id, a.month, cast(sum(a.mrr) as decimal(18,4)) as new_product_mrr
  from products a anti join products b
    on b.account_id = a.account_id and b.product_id = a.product_id
   and cast(b.month + interval 1 month as date) = a.month
  group by all
), by_month as (
  select account_id, month, count(*) as lines, cast(sum(seats) as bigint) as seats,
         list_sort(list_distinct(list(product_id) filter (where mrr > 0))) as product_ids
  from line_months group by all
), mrr_by_month as (
  select account_id, month, cast(sum(mrr) as decimal(18,4)) as mrr from by_currency group by all
), spine as (
  select account_id,
         cast(unnest(generate_series(min(month), least(max(month) + interval 1 month,
              date '{asof_month}'), interval 1 month)) as date) as month
  from mrr_by_month where mrr > 0 group by account_id
)
select s.account_id, s.month, coalesce(m.mrr, 0) as mrr, coalesce(b.lines, 0) as lines,
       coalesce(b.seats, 0) as seats, coalesce(b.product_ids, []) as product_ids,
       coalesce(n.new_product_mrr, 0) as new_product_mrr, coalesce(x.fx_amount, 0) as fx_amount
from spine s left join mrr_by_month m using (account_id, month)
left join by_month b using (account_id, month) left join new_products n using (account_id, month)
left join fx x using (account_id, month);

create or replace table mrr_movements as
with r as (
  select *, coalesce(lag(mrr) over w, 0) as prev_mrr,
         coalesce(max(case when mrr > 0 then 1 else 0 end) over (w rows between unbounded preceding
                  and 1 preceding), 0) as active_before
  from account_month_mrr window w as (partition by account_id order by month)
), c as (
  select *, cast(mrr - prev_mrr - fx_amount as decimal(18,4)) as amount from r
), m as (
  select *, case when mrr > 0 and active_before = 0 then 'new'
                 when mrr = 0 and prev_mrr > 0 then 'churn'
                 when mrr > 0 and prev_mrr = 0 then 'reactivation'
                 when amount > 0 then 'expansion' when amount < 0 then 'contraction'
                 else 'flat' end as movement
  from c
)
select account_id, month, cast(prev_mrr as decimal(18,4)) as prev_mrr, mrr, movement, amount,
       cast(case when movement = 'expansion' then amount - least(new_product_mrr, amount) else 0 end
            as decimal(18,4)) as upsell_amount,
       cast(case when movement = 'expansion' then least(new_product_mrr, amount) else 0 end
            as decimal(18,4)) as cross_sell_amount,
       fx_amount
from m;
copy account_month_mrr to '{out}/account_month_mrr.parquet' (format parquet);
copy mrr_movements to '{out}/mrr_movements.parquet' (format parquet);
"""

COHORT_SQL = """
create or replace table cohort_retention as
with activity as (
  select 'subscription' as basis, account_id, month, mrr > 0 as active, mrr as amount
  from account_month_mrr
  union all
  select 'transaction', account_id, date_trunc('month', cast(ordered_at as date)), true,
         cast(sum(amount) as decimal(18,4))
  from read_parquet('{tx}') where cast(ordered_at as date) <= date '{asof}' group by all
), cohort_of as (
  select basis, account_id, min(month) as cohort_month from activity where active group by all
), seg as (
  select account_id, coalesce(segment, 'unknown') as segment from read_parquet('{accounts}')
), tagged0 as (
  select a.basis, a.account_id, a.month, a.active, a.amount, c.cohort_month,
         coalesce(s.segment, 'unknown') as segment
  from activity a join cohort_of c using (basis, account_id) left join seg s using (account_id)
), tagged as (
  select * from tagged0 union all select * replace ('ALL' as segment) from tagged0
), by_period as (
  select basis, segment, cohort_month, cast(datediff('month', cohort_month, month) as int) as period,
         count(*) filter (where active) as retained,
         cast(sum(amount) filter (where active) as decimal(18,4)) as revenue
  from tagged group by all
), grid as (
  select basis, segment, cohort_month, retained as cohort_size, revenue as cohort_revenue,
         unnest(range(0, datediff('month', cohort_month, date '{asof_month}') + 1)) as period
  from by_period where period = 0 and cohort_month <= date '{asof_month}'
)
select g.basis, g.segment, g.cohort_month, cast(g.period as int) as period, g.cohort_size,
       coalesce(b.retained, 0) as retained,
       case when g.cohort_size = 0 then null else coalesce(b.retained, 0) / g.cohort_size end
         as logo_retention,
       coalesce(g.cohort_revenue, 0) as cohort_revenue, coalesce(b.revenue, 0) as revenue,
       case when coalesce(g.cohort_revenue, 0) = 0 then null
            else coalesce(b.revenue, 0) / g.cohort_revenue end as revenue_retention
from grid g left join by_period b
  on b.basis = g.basis and b.segment = g.segment and b.cohort_month = g.cohort_month
 and b.period = g.period;
copy cohort_retention to '{out}/cohort_retention.parquet' (format parquet);
"""

CHECKS = {
    "user_activity_daily": "select count(*), sum(events), sum(logins), round(sum(minutes), 1), "
                           "sum(features_used) from {t}",
    "account_usage_daily": "select count(*), sum(users), sum(active_users), sum(events), "
                           "sum(features_used) from {t}",
    "account_month_mrr": "select count(*), sum(mrr), sum(new_product_mrr), sum(fx_amount), sum(seats) from {t}",
    "mrr_movements": "select movement, count(*), sum(amount), sum(upsell_amount), sum(cross_sell_amount) "
                     "from {t} group by movement order by movement",
    "cohort_retention": "select basis, count(*), sum(cohort_size), sum(retained), sum(revenue) from {t} "
                        "where segment = 'ALL' group by basis order by basis",
}
CSLAKE_TABLE = {"user_activity_daily": "silver/user_activity_daily",
                "account_usage_daily": "silver/account_usage_daily",
                "account_month_mrr": "silver/account_month_mrr",
                "mrr_movements": "gold/mrr_movements", "cohort_retention": "gold/cohort_retention"}


def norm(rows):
    return [[(round(float(v), 2) if isinstance(v, (int, float)) or hasattr(v, "as_tuple") else str(v))
             for v in r] for r in rows]


def duckdb_reference(data_dir, lakehouse, workdir, asof, rollup_only=False):
    out = os.path.join(workdir, "duckdb")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET threads = %d" % os.cpu_count())
    # DuckDB's default limit is 80 % of the machine: on a shared machine that invites the OOM killer.
    con.execute("SET memory_limit = '%s'" % os.environ.get("BENCH_DUCKDB_MEMORY", "4GB"))
    con.execute("SET temp_directory = '%s'" % os.path.join(workdir, "duckdb_tmp"))
    asof_month = asof.replace(day=1)
    p = {"usage": os.path.join(data_dir, "usage_events", "**", "*.parquet"),
         "accounts": os.path.join(data_dir, "accounts", "*.parquet"),
         "subs": os.path.join(data_dir, "subscriptions", "*.parquet"),
         "fx": os.path.join(data_dir, "fx_rates", "*.parquet"),
         "tx": os.path.join(data_dir, "transactions", "*.parquet"),
         "rep": "USD", "asof": asof.isoformat(), "asof_month": asof_month.isoformat(), "out": out}
    times, load = {}, loadavg()
    parts = [("usage rollup", lambda: duckdb_rollup(con, p)),
             ("account_month_mrr + mrr_movements", lambda: con.execute(MRR_SQL.format(**p))),
             ("cohort_retention", lambda: con.execute(COHORT_SQL.format(**p)))]
    for name, part in parts[:1] if rollup_only else parts:
        t0 = time.time()
        part()
        times[name] = time.time() - t0
        log("duckdb %s: %.1f s" % (name, times[name]))
    usage_rows = con.execute("select count(*) from read_parquet(?, hive_partitioning = false)",
                             [p["usage"]]).fetchone()[0]
    checks = {}
    for table, q in CHECKS.items():
        if rollup_only and not table.endswith("_daily"):
            continue
        mine = norm(con.execute(q.format(t=table)).fetchall())
        theirs = norm(con.execute(q.format(t=delta.scan(os.path.join(lakehouse, CSLAKE_TABLE[table]))))
                      .fetchall())
        checks[table] = {"duckdb": mine, "cslake": theirs, "agree": close(mine, theirs)}
        log("check %s: %s" % (table, "agree" if checks[table]["agree"] else "DIFFER %s vs %s" % (mine, theirs)))
    con.close()
    return {"times_s": times, "usage_events": usage_rows, "checks": checks, "load_before": load}


def close(a, b):
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        for x, y in zip(ra, rb):
            if isinstance(x, float) and isinstance(y, float):
                if abs(x - y) > max(0.05, 1e-6 * max(abs(x), abs(y))):
                    return False
            elif x != y:
                return False
    return True


# ---------------------------------------------------------------- one scale

def bench_scale(n, data_dir, work, env, driver_memory, partitions, skip_duckdb, save, previous=None,
                ingest_only=False, master="local[*]", full_only=False):
    command = "ingest" if ingest_only else "run"
    workdir = os.path.join(work, str(n))
    os.makedirs(workdir, exist_ok=True)
    gen_s = ensure_data(n, data_dir, env)
    last = last_event_day(data_dir)
    lakehouse = os.path.join(workdir, "lakehouse")
    held_back = "event_time < timestamp'%s 00:00:00'" % last.isoformat()
    full_conf = os.path.join(workdir, "full.conf")
    incr_conf = os.path.join(workdir, "incremental.conf")
    write_conf(full_conf, lakehouse, data_dir, partitions, held_back, master)
    write_conf(incr_conf, lakehouse, data_dir, partitions, None, master)
    before = (last - dt.timedelta(days=1)).isoformat()
    if previous and previous.get("incremental") and not previous.get("duckdb") and not skip_duckdb:
        # the cslake runs of this scale are measured: only the DuckDB reference is missing
        result = previous
        result["duckdb"] = duckdb_reference(data_dir, lakehouse, workdir, last,
                                            rollup_only=result.get("command") == "ingest")
        save(result)
        return result
    result = {"accounts": n, "data_dir": data_dir, "generate_s": gen_s, "last_day": last.isoformat(),
              "driver_memory": driver_memory, "shuffle_partitions": partitions, "master": master,
              "command": command, "cores": os.cpu_count(), "measured_at": dt.datetime.utcnow().isoformat() + "Z"}
    shutil.rmtree(lakehouse, ignore_errors=True)
    log("%d accounts: full run as of %s (last day held back)" % (n, before))
    proc = run_cslake([command, "--conf", full_conf, "--as-of", before], workdir, "full", env, driver_memory)
    result["full"] = stage_profile(proc, lakehouse)
    save(result)
    if full_only:
        log("%d accounts: full run %.0f s" % (n, proc["wall_s"]))
        return result
    log("%d accounts: full run %.0f s; incremental run as of %s" % (n, proc["wall_s"], last))
    proc = run_cslake([command, "--conf", incr_conf, "--as-of", last.isoformat()], workdir, "incremental",
                      env, driver_memory)
    result["incremental"] = stage_profile(proc, lakehouse)
    result["incremental_over_full"] = result["incremental"]["total_wall_s"] / result["full"]["total_wall_s"]
    log("%d accounts: incremental run %.0f s (%.0f%% of full)"
        % (n, proc["wall_s"], 100 * result["incremental_over_full"]))
    save(result)
    if not skip_duckdb:
        result["duckdb"] = duckdb_reference(data_dir, lakehouse, workdir, last, rollup_only=ingest_only)
        save(result)
    return result


def measure(a, data, results, results_path, env, master):
    for n in [int(s) for s in a.scales.split(",")]:
        data_dir = data.get(str(n), os.path.join(a.work, "data", str(n)))

        def save(r, n=n):
            results["scales"][str(n)] = r
            with open(results_path, "w") as f:
                json.dump(results, f, indent=1, default=str)
        previous = results["scales"].get(str(n)) if a.resume else None
        bench_scale(n, data_dir, a.work, env, a.driver_memory, a.shuffle_partitions, a.skip_duckdb,
                    save, previous, ingest_only=str(n) in a.ingest_only.split(","), master=master,
                    full_only=a.full_only)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="1000,10000,100000",
                    help="comma-separated account counts (default 1000,10000,100000)")
    ap.add_argument("--data", action="append", default=[], metavar="N=DIR",
                    help="use an existing generated dataset for scale N (default <work>/data/N)")
    ap.add_argument("--work", default="/tmp/bench", help="data, lakehouses and logs (default /tmp/bench)")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"),
                    help="results.json and results.md (default bench/results)")
    ap.add_argument("--driver-memory", default="8g", help="CSLAKE_DRIVER_MEMORY for every run (default 8g)")
    ap.add_argument("--shuffle-partitions", type=int, default=8, help="as conf/local.conf (default 8)")
    ap.add_argument("--skip-duckdb", action="store_true")
    ap.add_argument("--ingest-only", default="", metavar="N,N",
                    help="scales measured with `ingest` instead of the whole `run` (a slow machine's "
                         "largest scale); the DuckDB reference is then the rollup alone")
    ap.add_argument("--resume", action="store_true",
                    help="keep a scale's measured cslake runs from results.json and add only what is missing")
    ap.add_argument("--standalone", default="", metavar="MEM",
                    help="run the jobs on a standalone master and one worker (every core, MEM for its "
                         "executor) started on loopback; bin/cslake's JVM is then the driver alone")
    ap.add_argument("--full-only", action="store_true", help="the full run only (no incremental run)")
    ap.add_argument("--report-only", action="store_true", help="rewrite results.md from results.json")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    results_path = os.path.join(a.out, "results.json")
    results = {"machine": machine(), "scales": {}}
    if os.path.exists(results_path):
        with open(results_path) as f:
            results["scales"] = json.load(f).get("scales", {})
    if not a.report_only:
        data = dict(d.split("=", 1) for d in a.data)
        env = dict(os.environ)
        cluster, master = None, "local[*]"
        if a.standalone:
            cluster = Standalone(a.work, a.standalone)
            master = cluster.url
            env["CSLAKE_JAVA_OPTS"] = (env.get("CSLAKE_JAVA_OPTS", "") + " " + cluster.java_opts()).strip()
        try:
            measure(a, data, results, results_path, env, master)
        finally:
            if cluster:
                cluster.close()
    if a.report_only:
        for r in results["scales"].values():
            add_live_heap(r, os.path.join(a.work, str(r["accounts"])))
    import report
    report.write(results, a.out)
    log("wrote %s and %s" % (results_path, os.path.join(a.out, "results.md")))


if __name__ == "__main__":
    main()
