package io.cslake.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.cslake.CslakeException;
import io.cslake.config.CslakeConfig.ClvSettings;
import io.cslake.config.CslakeConfig.EngagementSettings;
import io.cslake.config.CslakeConfig.ExperienceSettings;
import io.cslake.config.CslakeConfig.FeatureSettings;
import io.cslake.config.CslakeConfig.HealthSettings;
import io.cslake.config.CslakeConfig.IngestSettings;
import io.cslake.config.CslakeConfig.MetricsSettings;
import io.cslake.config.CslakeConfig.ModelSettings;
import io.cslake.config.CslakeConfig.PlaybookSettings;
import io.cslake.config.CslakeConfig.PlaybookSettings.Rule;
import io.cslake.config.CslakeConfig.SparkSettings;
import io.cslake.config.SourceConfig.Format;
import io.cslake.contract.Source;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Builds the one {@link CslakeConfig} of a run from the packaged defaults ({@code cslake.conf}, a
 * copy of {@code conf/cslake.conf}), the {@code --conf} files (local paths, or URIs of any Hadoop
 * file system) and {@code --conf-string}s in the order given, and the {@code --set} pairs, in that
 * order of precedence (later wins). Every key the user gives is checked against the defaults: an
 * unknown key or a value of the wrong type is a usage error naming the key and where it came from.
 */
public final class ConfigLoader {
  private static final String ROOT = "cslake";
  private static final String DEFAULTS_RESOURCE = "cslake.conf";
  private static final String RULES = ROOT + ".playbooks.rules";
  private static final String HADOOP_PREFIX = "spark.hadoop.";
  private static final List<String> RULE_KEYS = List.of("name", "when", "severity", "action");

  /** Keys whose default is null but whose value, when given, is a number. */
  private static final List<String> NULLABLE_NUMBERS =
      List.of("cslake.cs-team.cost-per-csm-monthly");

  private ConfigLoader() {}

  /**
   * Loads and validates the configuration from local files; see {@link #load(List, List, String,
   * Function)}.
   */
  public static CslakeConfig load(List<File> files, List<String> sets, String asOf) {
    return load(
        files.stream().map(f -> ConfSource.location(f.getPath())).toList(),
        sets,
        asOf,
        ConfigLoader::hadoopConfiguration);
  }

  /**
   * Loads and validates the configuration.
   *
   * @param sources {@code --conf} locations and {@code --conf-string}s, in the order given (later
   *     wins)
   * @param sets {@code --set key=value} pairs, in the order given (later wins)
   * @param asOf the {@code --as-of} date, or null
   * @param hadoop the Hadoop configuration that reads a location with a scheme, given the {@code
   *     spark.hadoop.*} settings of {@code --set} (prefix removed); called only for such a location
   */
  public static CslakeConfig load(
      List<ConfSource> sources,
      List<String> sets,
      String asOf,
      Function<Map<String, String>, Configuration> hadoop) {
    Config defaults = ConfigFactory.parseResources(ConfigLoader.class, "/" + DEFAULTS_RESOURCE);
    if (!defaults.hasPath(ROOT)) {
      throw CslakeException.failure(
          "Cannot find the packaged defaults " + DEFAULTS_RESOURCE + " on the classpath.", null);
    }
    List<Config> setLayers = new ArrayList<>();
    for (String set : sets) {
      setLayers.add(parseSet(set));
    }
    Configuration[] hadoopConf = new Configuration[1];
    Supplier<Configuration> lazyHadoop =
        () -> {
          if (hadoopConf[0] == null) {
            hadoopConf[0] = hadoop.apply(hadoopSettings(setLayers));
          }
          return hadoopConf[0];
        };
    List<Config> layers = new ArrayList<>();
    for (ConfSource source : sources) {
      layers.add(parse(source, lazyHadoop));
    }
    layers.addAll(setLayers);
    if (asOf != null) {
      layers.add(
          ConfigFactory.parseMap(Map.of(ROOT + ".as-of", asOf), "--as-of " + asOf)
              .withFallback(ConfigFactory.empty()));
    }
    Config merged = defaults;
    for (Config layer : layers) {
      check(layer.root(), new ArrayList<>(), defaults);
      merged = layer.withFallback(merged);
    }
    try {
      merged = merged.resolve();
    } catch (ConfigException e) {
      throw CslakeException.usage("Cannot resolve the configuration: " + e.getMessage());
    }
    // Values built from substitutions (${...}) are type-checked once resolved.
    check(merged.root(), new ArrayList<>(), defaults);
    return build(merged.getConfig(ROOT), describe(sources, sets, asOf));
  }

  /**
   * A Hadoop configuration with Hadoop's defaults (core-site.xml on the classpath) and {@code
   * settings}: what reads a {@code --conf} URI when the caller has no Spark at hand.
   */
  public static Configuration hadoopConfiguration(Map<String, String> settings) {
    Configuration conf = new Configuration();
    settings.forEach(conf::set);
    return conf;
  }

  /** The {@code spark.hadoop.*} entries of {@code cslake.spark.conf} in --set, prefix removed. */
  private static Map<String, String> hadoopSettings(List<Config> setLayers) {
    Config sets = ConfigFactory.empty();
    for (Config layer : setLayers) {
      sets = layer.withFallback(sets);
    }
    String key = ROOT + ".spark.conf";
    Map<String, String> settings = new LinkedHashMap<>();
    try {
      if (sets.hasPath(key) && sets.getValue(key) instanceof ConfigObject) {
        stringMap(sets.getConfig(key))
            .forEach(
                (k, v) -> {
                  if (k.startsWith(HADOOP_PREFIX) && k.length() > HADOOP_PREFIX.length()) {
                    settings.put(k.substring(HADOOP_PREFIX.length()), v);
                  }
                });
      }
    } catch (ConfigException e) {
      // A malformed or unresolved --set: the checks after parsing name it.
    }
    return settings;
  }

  private static String describe(List<ConfSource> sources, List<String> sets, String asOf) {
    List<String> parts = new ArrayList<>();
    parts.add("defaults");
    sources.forEach(s -> parts.add(s.origin()));
    if (!sets.isEmpty()) {
      parts.add("--set");
    }
    if (asOf != null) {
      parts.add("--as-of");
    }
    return String.join(" < ", parts);
  }

  private static Config parse(ConfSource source, Supplier<Configuration> hadoop) {
    if (source.isInline()) {
      try {
        return ConfigFactory.parseString(
            source.hocon(), ConfigParseOptions.defaults().setOriginDescription(source.origin()));
      } catch (ConfigException e) {
        throw CslakeException.usage(
            "Cannot parse " + source.origin() + " '" + source.hocon() + "': " + e.getMessage());
      }
    }
    if (source.isUri()) {
      return parseUri(source.location(), hadoop.get());
    }
    return parseFile(new File(source.location()));
  }

  private static Config parseFile(File file) {
    if (!file.isFile()) {
      throw CslakeException.usage(
          "Cannot read configuration file '"
              + file.getPath()
              + "': it does not exist or is not a file. Pass an existing HOCON file to --conf.");
    }
    try {
      return ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false));
    } catch (ConfigException e) {
      throw CslakeException.usage(
          "Cannot parse configuration file '" + file.getPath() + "': " + e.getMessage());
    }
  }

  /** Reads a configuration file through Hadoop's FileSystem of its URI's scheme. */
  private static Config parseUri(String location, Configuration hadoop) {
    String noFile =
        "Cannot read configuration file '"
            + location
            + "': it does not exist or is not a file. Pass an existing HOCON file to --conf.";
    Path path;
    try {
      path = new Path(location);
    } catch (IllegalArgumentException e) {
      throw CslakeException.usage(
          "Cannot read configuration file '" + location + "': not a valid URI: " + e.getMessage());
    }
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      if (!fs.getFileStatus(path).isFile()) {
        throw CslakeException.usage(noFile);
      }
      try (Reader reader = new InputStreamReader(fs.open(path), StandardCharsets.UTF_8)) {
        return ConfigFactory.parseReader(
            reader,
            ConfigParseOptions.defaults()
                .setOriginDescription(location)
                .setSyntax(ConfigSyntax.CONF));
      }
    } catch (FileNotFoundException e) {
      throw CslakeException.usage(noFile);
    } catch (ConfigException e) {
      throw CslakeException.usage(
          "Cannot parse configuration file '" + location + "': " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      if (e instanceof CslakeException known) {
        throw known;
      }
      throw CslakeException.usage(
          "Cannot read configuration file '"
              + location
              + "' through Hadoop's FileSystem: "
              + e
              + ". Check that the file system's connector is on the classpath (e.g. hadoop-aws"
              + " for s3a://) and that its credentials are set (spark-submit --conf"
              + " spark.hadoop.<key>=..., or --set cslake.spark.conf.\"spark.hadoop.<key>\"=...).");
    }
  }

  /** Parses {@code key=value}; the value is HOCON (number, list, ...) or else a plain string. */
  static Config parseSet(String set) {
    int eq = set.indexOf('=');
    if (eq <= 0) {
      throw CslakeException.usage(
          "Cannot use --set '"
              + set
              + "': expected key=value, e.g. --set cslake.lakehouse=/data/lh");
    }
    String key = set.substring(0, eq).trim();
    if (!key.equals(ROOT) && !key.startsWith(ROOT + ".")) {
      key = ROOT + "." + key;
    }
    String raw = set.substring(eq + 1).trim();
    String origin = "--set " + set;
    List<String> path;
    try {
      path = ConfigUtil.splitPath(key);
    } catch (ConfigException e) {
      throw CslakeException.usage("Cannot use --set '" + set + "': bad key: " + e.getMessage());
    }
    ConfigValue value;
    if (looksLikeHocon(raw)) {
      try {
        value =
            ConfigFactory.parseString(
                    "v = " + raw, ConfigParseOptions.defaults().setOriginDescription(origin))
                .root()
                .get("v");
      } catch (ConfigException e) {
        throw CslakeException.usage(
            "Cannot parse the value of --set '" + set + "': " + e.getMessage());
      }
      if (value == null) {
        value = com.typesafe.config.ConfigValueFactory.fromAnyRef(null, origin);
      } else if (value.valueType() == ConfigValueType.STRING && !raw.startsWith("\"")) {
        // HOCON would cut an unquoted string at // or # (comments): keep the text as typed.
        value = com.typesafe.config.ConfigValueFactory.fromAnyRef(raw, origin);
      }
    } else {
      value = com.typesafe.config.ConfigValueFactory.fromAnyRef(raw, origin);
    }
    Config layer = ConfigFactory.empty(origin).withValue(ConfigUtil.joinPath(path), value);
    return layer;
  }

  /**
   * Whether a --set value is HOCON (a number, boolean, null, list, object or quoted string) rather
   * than a plain string such as a path, which is taken as it is ({@code //} in a URI is no
   * comment).
   */
  private static boolean looksLikeHocon(String raw) {
    return raw.startsWith("[")
        || raw.startsWith("{")
        || raw.startsWith("\"")
        || raw.matches("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?|true|false|null");
  }

  // --- validation of user keys against the defaults ----------------------------------------------

  private static void check(ConfigObject object, List<String> prefix, Config defaults) {
    for (Map.Entry<String, ConfigValue> entry : object.entrySet()) {
      List<String> path = new ArrayList<>(prefix);
      path.add(entry.getKey());
      checkValue(path, entry.getValue(), defaults);
    }
  }

  private static void checkValue(List<String> path, ConfigValue value, Config defaults) {
    String key = ConfigUtil.joinPath(path);
    String where = value.origin().description();
    // A substitution is checked for its key here and for its type once the whole is resolved.
    boolean resolved = isResolved(value);
    // Free-form maps (Spark settings, reader options): any key, dotted keys nest; scalar values.
    if (isUnder(path, ROOT, "spark", "conf") && path.size() > 3
        || isSourceMap(path, "options") && path.size() > 4) {
      if (resolved && value instanceof ConfigObject object) {
        check(object, path, defaults);
      } else if (resolved) {
        requireScalar(key, value, where);
      }
      return;
    }
    if (isSourceMap(path, "fields") && path.size() > 4) {
      Source source = Source.byId(path.get(2)).orElseThrow();
      String field = path.get(4);
      if (path.size() > 5 || source.field(field).isEmpty()) {
        throw CslakeException.usage(
            "Cannot map field '"
                + String.join(".", path.subList(4, path.size()))
                + "' of source '"
                + source.id()
                + "' ("
                + where
                + "): the contract has no such field. Its fields are: "
                + source.fields().stream().map(f -> f.name()).collect(Collectors.joining(", "))
                + ".");
      }
      if (resolved && value.valueType() != ConfigValueType.STRING) {
        throw CslakeException.usage(
            "Cannot use '"
                + key
                + "' ("
                + where
                + "): a field mapping must be a string holding a Spark SQL expression.");
      }
      return;
    }
    if (key.equals(RULES)) {
      if (resolved) {
        checkRules(value, where);
      }
      return;
    }
    if (!defaults.hasPathOrNull(key)) {
      throw CslakeException.usage(
          "Cannot use configuration key '"
              + key
              + "' ("
              + where
              + "): there is no such key."
              + suggestion(path, defaults)
              + " Every key is documented in conf/cslake.conf.");
    }
    if (!resolved) {
      return;
    }
    ConfigValue expected =
        defaults.getIsNull(key) ? null : defaults.getValue(key); // null default: any string
    if (expected != null && expected.valueType() == ConfigValueType.OBJECT) {
      if (value.valueType() != ConfigValueType.OBJECT) {
        throw typeError(key, where, "an object { ... }", value);
      }
      check((ConfigObject) value, path, defaults);
      return;
    }
    checkType(key, where, expected, value);
  }

  /**
   * {@code cslake.playbooks.rules}: a list of objects with only the keys of a rule, each a string.
   * A list replaces the default rules as a whole.
   */
  private static void checkRules(ConfigValue value, String where) {
    if (value.valueType() == ConfigValueType.NULL) {
      return;
    }
    if (value.valueType() != ConfigValueType.LIST) {
      throw typeError(RULES, where, "a list of rules [ { name = ..., when = ... }, ... ]", value);
    }
    int i = 0;
    for (ConfigValue item : (ConfigList) value) {
      String key = RULES + "[" + i + "]";
      String at = item.origin().description();
      if (!isResolved(item)) {
        i++;
        continue;
      }
      if (!(item instanceof ConfigObject rule)) {
        throw typeError(
            key, at, "an object { name = ..., when = ..., severity = ..., action = ... }", item);
      }
      for (Map.Entry<String, ConfigValue> e : rule.entrySet()) {
        String field = key + "." + e.getKey();
        if (!RULE_KEYS.contains(e.getKey())) {
          throw CslakeException.usage(
              "Cannot use configuration key '"
                  + field
                  + "' ("
                  + e.getValue().origin().description()
                  + "): there is no such key. A playbook rule has "
                  + String.join(", ", RULE_KEYS)
                  + ". Every key is documented in conf/cslake.conf.");
        }
        if (isResolved(e.getValue())) {
          switch (e.getValue().valueType()) {
            case STRING, NUMBER, BOOLEAN -> {}
            default ->
                throw typeError(
                    field, e.getValue().origin().description(), "a string", e.getValue());
          }
        }
      }
      i++;
    }
  }

  private static boolean isResolved(ConfigValue value) {
    try {
      value.valueType();
      return true;
    } catch (ConfigException.NotResolved e) {
      return false;
    }
  }

  private static boolean isUnder(List<String> path, String... prefix) {
    if (path.size() < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (!path.get(i).equals(prefix[i])) {
        return false;
      }
    }
    return true;
  }

  private static boolean isSourceMap(List<String> path, String map) {
    return path.size() >= 4
        && path.get(0).equals(ROOT)
        && path.get(1).equals("sources")
        && Source.byId(path.get(2)).isPresent()
        && path.get(3).equals(map);
  }

  private static void requireScalar(String key, ConfigValue value, String where) {
    switch (value.valueType()) {
      case STRING, NUMBER, BOOLEAN -> {}
      default -> throw typeError(key, where, "a string, number or boolean", value);
    }
  }

  private static void checkType(String key, String where, ConfigValue expected, ConfigValue value) {
    ConfigValueType got = value.valueType();
    if (got == ConfigValueType.NULL) {
      return;
    }
    if (expected == null && NULLABLE_NUMBERS.contains(key)) {
      if (got == ConfigValueType.NUMBER || got == ConfigValueType.STRING && isNumber(value)) {
        return;
      }
      throw typeError(key, where, "a number or null", value);
    }
    if (expected == null) {
      if (got != ConfigValueType.STRING) {
        throw typeError(key, where, "a string", value);
      }
      return;
    }
    switch (expected.valueType()) {
      case NUMBER -> {
        if (got == ConfigValueType.NUMBER) {
          return;
        }
        if (got == ConfigValueType.STRING) {
          try {
            Double.parseDouble(((String) value.unwrapped()).trim());
            return;
          } catch (NumberFormatException e) {
            // fall through to the error
          }
        }
        throw typeError(key, where, "a number", value);
      }
      case BOOLEAN -> {
        if (got == ConfigValueType.BOOLEAN
            || got == ConfigValueType.STRING
                && List.of("true", "false", "yes", "no", "on", "off")
                    .contains(((String) value.unwrapped()).trim().toLowerCase(Locale.ROOT))) {
          return;
        }
        throw typeError(key, where, "true or false", value);
      }
      case STRING -> {
        if (got == ConfigValueType.STRING
            || got == ConfigValueType.NUMBER
            || got == ConfigValueType.BOOLEAN) {
          return;
        }
        throw typeError(key, where, "a string", value);
      }
      case LIST -> {
        if (got != ConfigValueType.LIST) {
          throw typeError(key, where, "a list [ ... ]", value);
        }
        for (ConfigValue item : (ConfigList) value) {
          requireScalar(key, item, where);
        }
      }
      default -> throw typeError(key, where, expected.valueType().name().toLowerCase(), value);
    }
  }

  private static boolean isNumber(ConfigValue value) {
    try {
      Double.parseDouble(((String) value.unwrapped()).trim());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static CslakeException typeError(
      String key, String where, String expected, ConfigValue value) {
    return CslakeException.usage(
        "Cannot use configuration key '"
            + key
            + "' ("
            + where
            + "): expected "
            + expected
            + ", found "
            + value.valueType().name().toLowerCase(Locale.ROOT)
            + " "
            + value.render()
            + ".");
  }

  private static String suggestion(List<String> path, Config defaults) {
    List<String> parent = path.subList(0, path.size() - 1);
    String parentKey = parent.isEmpty() ? null : ConfigUtil.joinPath(parent);
    if (parentKey == null || !defaults.hasPath(parentKey)) {
      return "";
    }
    ConfigValue siblings = defaults.getValue(parentKey);
    if (!(siblings instanceof ConfigObject object)) {
      return "";
    }
    String last = path.get(path.size() - 1);
    return object.keySet().stream()
        .min(Comparator.comparingInt(k -> distance(k, last)))
        .filter(k -> distance(k, last) <= Math.max(2, last.length() / 3))
        .map(k -> " Did you mean '" + ConfigUtil.joinPath(parent) + "." + k + "'?")
        .orElse("");
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  // --- the typed object
  // ----------------------------------------------------------------------------

  private static CslakeConfig build(Config root, String origins) {
    Keys c = new Keys(root, ROOT + ".");
    String lakehouse = c.nonBlank("lakehouse");
    String currency = c.nonBlank("reporting-currency").toUpperCase(Locale.ROOT);
    if (!currency.matches("[A-Z]{3}")) {
      throw c.invalid("reporting-currency", "an ISO 4217 code of three letters, e.g. USD");
    }
    Optional<LocalDate> asOf = c.optionalString("as-of").map(s -> c.date("as-of", s));

    Keys sc = c.child("spark");
    SparkSettings spark =
        new SparkSettings(
            sc.optionalString("master"),
            sc.nonBlank("app-name"),
            sc.integer("shuffle-partitions", 1),
            stringMap(sc.config.getConfig("conf")));

    Keys ic = c.child("ingest");
    double fraction = ic.number("max-quarantine-fraction");
    if (fraction < 0 || fraction > 1) {
      throw ic.invalid("max-quarantine-fraction", "a fraction between 0 and 1");
    }
    IngestSettings ingest =
        new IngestSettings(
            fraction, ic.integer("future-tolerance-days", 0), ic.integer("usage-lookback-days", 0));

    double margin = c.number("gross-margin");
    if (margin < 0 || margin > 1) {
      throw c.invalid("gross-margin", "a fraction between 0 and 1");
    }
    MetricsSettings metrics =
        new MetricsSettings(margin, c.child("metrics").integer("renewal-grace-days", 0));

    Keys ec = c.child("engagement");
    EngagementSettings engagement =
        new EngagementSettings(
            ec.names("active-event-types"),
            ec.names("login-event-types"),
            ec.names("features"),
            ec.optionalString("key-feature").filter(s -> !s.isEmpty()));
    Keys fc = c.child("feedback");
    Optional<Double> costPerCsm =
        c.child("cs-team").config.getIsNull("cost-per-csm-monthly")
            ? Optional.empty()
            : Optional.of(c.child("cs-team").number("cost-per-csm-monthly"));
    if (costPerCsm.isPresent() && !(costPerCsm.get() > 0)) {
      throw c.child("cs-team").invalid("cost-per-csm-monthly", "a positive number or null");
    }
    ExperienceSettings experience =
        new ExperienceSettings(
            fc.integer("nps-window-days", 1),
            fc.integer("themes-per-side", 1),
            c.child("onboarding").integer("activation-days", 0),
            costPerCsm);

    Keys fe = c.child("features");
    FeatureSettings features =
        new FeatureSettings(
            fe.integer("history-months", 0),
            fe.integer("horizon-days", 1),
            fe.integer("churn-grace-days", 0));
    Keys mc = c.child("model");
    double regParam = mc.number("reg-param");
    if (!(regParam >= 0)) {
      throw mc.invalid("reg-param", "a number of at least 0");
    }
    double elasticNet = mc.number("elastic-net");
    if (!(elasticNet >= 0 && elasticNet <= 1)) {
      throw mc.invalid("elastic-net", "a number between 0 and 1");
    }
    double holdout = mc.number("holdout-fraction");
    if (!(holdout > 0 && holdout < 1)) {
      throw mc.invalid("holdout-fraction", "a fraction strictly between 0 and 1");
    }
    Keys bands = mc.child("risk-bands");
    double riskHigh = bands.number("high");
    double riskMedium = bands.number("medium");
    if (!(riskMedium > 0 && riskMedium < riskHigh && riskHigh < 1)) {
      throw bands.invalid(
          "medium", "a probability above 0 and below risk-bands.high, itself below 1");
    }
    ModelSettings model =
        new ModelSettings(
            regParam,
            elasticNet,
            mc.integer("trees", 1),
            mc.integer("depth", 1),
            mc.integer("max-bins", 2),
            holdout,
            mc.integer("seed", 0),
            riskHigh,
            riskMedium);
    Keys cc = c.child("clv");
    String unitName = cc.nonBlank("time-unit").toUpperCase(Locale.ROOT);
    CslakeConfig.TimeUnit timeUnit;
    try {
      timeUnit = CslakeConfig.TimeUnit.valueOf(unitName);
    } catch (IllegalArgumentException e) {
      throw cc.invalid("time-unit", "one of day, week, month");
    }
    double discount = cc.number("discount-rate-monthly");
    if (!(discount >= 0 && discount < 1)) {
      throw cc.invalid("discount-rate-monthly", "a monthly rate of at least 0 and below 1");
    }
    ClvSettings clv = new ClvSettings(timeUnit, cc.integer("horizon-months", 1), discount);

    Map<Source, SourceConfig> sources = new EnumMap<>(Source.class);
    for (Source source : Source.values()) {
      sources.put(source, source(source, c.child("sources").child(source.id())));
    }
    PlaybookSettings playbooks = playbooks(root);
    return new CslakeConfig(
        lakehouse,
        currency,
        asOf,
        spark,
        ingest,
        metrics,
        engagement,
        experience,
        features,
        model,
        clv,
        sources,
        origins,
        health(c.child("health")),
        playbooks);
  }

  /**
   * {@code cslake.health}: each component's weight (at least 0, not all 0) and formula (non-empty;
   * checked against the churn_features schema by the health score, which needs Spark), and the
   * bands, 0 ≤ yellow < green ≤ 100.
   */
  private static HealthSettings health(Keys c) {
    Map<String, HealthSettings.Component> components = new LinkedHashMap<>();
    double total = 0;
    for (String name : HealthSettings.COMPONENTS) {
      Keys k = c.child("components").child(name);
      double weight = k.number("weight");
      if (!(weight >= 0) || Double.isInfinite(weight)) {
        throw k.invalid("weight", "a finite number of at least 0");
      }
      total += weight;
      components.put(name, new HealthSettings.Component(weight, k.nonBlank("formula")));
    }
    if (!(total > 0)) {
      throw CslakeException.usage(
          "Cannot use the weights of cslake.health.components: they are all 0, so no component"
              + " counts in the health score. Give at least one component a positive weight, e.g."
              + " --set cslake.health.components.usage.weight=1.");
    }
    Keys b = c.child("bands");
    double green = b.number("green");
    double yellow = b.number("yellow");
    if (!(green > 0 && green <= 100)) {
      throw b.invalid("green", "a score above 0 and at most 100");
    }
    if (!(yellow >= 0 && yellow < green)) {
      throw b.invalid("yellow", "a score of at least 0 and below green (" + green + ")");
    }
    return new HealthSettings(components, green, yellow);
  }

  private static PlaybookSettings playbooks(Config root) {
    if (root.getIsNull("playbooks.rules")) {
      return new PlaybookSettings(List.of());
    }
    List<Rule> rules = new ArrayList<>();
    Map<String, Integer> names = new LinkedHashMap<>();
    List<? extends ConfigObject> items = root.getObjectList("playbooks.rules");
    for (int i = 0; i < items.size(); i++) {
      Keys r = new Keys(items.get(i).toConfig(), RULES + "[" + i + "].");
      String name = r.nonBlank("name");
      Integer previous = names.putIfAbsent(name, i);
      if (previous != null) {
        throw r.invalid(
            "name",
            "a name no other rule has ('"
                + name
                + "' is the name of "
                + RULES
                + "["
                + previous
                + "] too)");
      }
      String severity = r.nonBlank("severity").toLowerCase(Locale.ROOT);
      if (!Rule.SEVERITIES.contains(severity)) {
        throw r.invalid("severity", "one of " + String.join(", ", Rule.SEVERITIES));
      }
      rules.add(new Rule(name, r.nonBlank("when"), severity, r.nonBlank("action")));
    }
    return new PlaybookSettings(rules);
  }

  private static SourceConfig source(Source source, Keys c) {
    String formatName = c.nonBlank("format").toUpperCase(Locale.ROOT);
    Format format;
    try {
      format = Format.valueOf(formatName);
    } catch (IllegalArgumentException e) {
      throw c.invalid(
          "format",
          "one of "
              + Arrays.stream(Format.values())
                  .map(Format::sparkName)
                  .collect(Collectors.joining(", ")));
    }
    Optional<String> path = c.optionalString("path").filter(p -> !p.isBlank());
    Optional<String> filter = c.optionalString("filter").filter(p -> !p.isBlank());
    List<String> attributes =
        c.config.hasPath("attributes") ? c.config.getStringList("attributes") : List.of();
    Map<String, String> fields = new LinkedHashMap<>(stringMap(c.config.getConfig("fields")));
    fields.replaceAll((k, v) -> v.trim());
    for (Map.Entry<String, String> e : fields.entrySet()) {
      if (e.getValue().isEmpty()) {
        throw CslakeException.usage(
            "Cannot use an empty expression for field '"
                + e.getKey()
                + "' of source '"
                + source.id()
                + "' ("
                + c.prefix
                + "fields."
                + e.getKey()
                + "). Remove it to read the same-named column.");
      }
    }
    return new SourceConfig(
        source, path, format, stringMap(c.config.getConfig("options")), filter, fields, attributes);
  }

  private static Map<String, String> stringMap(Config c) {
    Map<String, String> map = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : c.entrySet()) {
      List<String> parts = ConfigUtil.splitPath(e.getKey());
      map.put(String.join(".", parts), String.valueOf(e.getValue().unwrapped()));
    }
    return map;
  }

  /** Typed reads of one configuration object, with errors naming the full key and its origin. */
  private record Keys(Config config, String prefix) {

    Keys child(String key) {
      return new Keys(config.getConfig(ConfigUtil.joinPath(key)), prefix + key + ".");
    }

    Optional<String> optionalString(String key) {
      if (!config.hasPath(key)) {
        return Optional.empty();
      }
      return Optional.of(config.getString(key).trim());
    }

    String nonBlank(String key) {
      String value = config.hasPath(key) ? config.getString(key).trim() : "";
      if (value.isEmpty()) {
        throw invalid(key, "a non-empty string");
      }
      return value;
    }

    LocalDate date(String key, String value) {
      try {
        return LocalDate.parse(value);
      } catch (DateTimeParseException e) {
        throw invalid(key, "a date YYYY-MM-DD");
      }
    }

    /** A list of names: each trimmed and non-blank, duplicates dropped, order kept. */
    List<String> names(String key) {
      List<String> names = new ArrayList<>();
      for (String name : config.getStringList(key)) {
        String trimmed = name.trim();
        if (trimmed.isEmpty()) {
          throw invalid(key, "a list of non-empty names");
        }
        if (!names.contains(trimmed)) {
          names.add(trimmed);
        }
      }
      return names;
    }

    double number(String key) {
      try {
        return config.getDouble(key);
      } catch (ConfigException e) {
        throw invalid(key, "a number");
      }
    }

    int integer(String key, int min) {
      double d = number(key);
      if (d != Math.rint(d) || d < min || d > Integer.MAX_VALUE) {
        throw invalid(key, "a whole number of at least " + min);
      }
      return (int) d;
    }

    CslakeException invalid(String key, String expected) {
      ConfigValue value = config.hasPath(key) ? config.getValue(key) : null;
      String where = value == null ? "" : " (" + value.origin().description() + ")";
      String found = value == null ? "nothing" : value.render();
      return CslakeException.usage(
          "Cannot use the value of '"
              + prefix
              + key
              + "'"
              + where
              + ": expected "
              + expected
              + ", found "
              + found
              + ".");
    }
  }
}
