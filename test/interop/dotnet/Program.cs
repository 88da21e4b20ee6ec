// Interop harness: one process = one task hub configuration of the real DurableTask.AzureStorage backend.
// The Node driver (test/interop/*.ts) sends one JSON request per stdin line and reads one JSON reply per
// stdout line: {"id":1,"op":"create","name":"HelloCities","instanceId":"x","input":"[\"A\"]"}
// -> {"id":1,"ok":true,"result":...}. Inputs, outputs and event payloads travel as JSON text.
// Diagnostics go to stderr. Activities announce each run as {"event":"activity",...} lines.
using System.Text;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Interop;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

var options = HarnessOptions.Parse(args);
LongTimers.MaximumDelay = TimeSpan.FromMilliseconds(options.TimerMaxMs);
LongTimers.Interval = TimeSpan.FromMilliseconds(options.TimerIntervalMs);
Console.OutputEncoding = new UTF8Encoding(false);
var harness = new Harness(options);
await harness.RunAsync();

namespace Interop
{
    sealed record HarnessOptions(string Connection, string Hub, int Partitions, string PartitionManager, string WorkerId, bool UseAppLease, string AppName,
        int MaxPollingMs, int MaxOrchestrations, int MaxActivities, bool BenchEntities, double TimerMaxMs, double TimerIntervalMs)
    {
        public static HarnessOptions Parse(string[] args)
        {
            var map = new Dictionary<string, string>();
            for (int i = 0; i + 1 < args.Length; i += 2) map[args[i].TrimStart('-')] = args[i + 1];
            string Get(string key, string fallback) => map.TryGetValue(key, out var v) ? v : fallback;
            return new HarnessOptions(
                Connection: Environment.GetEnvironmentVariable("INTEROP_STORAGE") ?? throw new ArgumentException("INTEROP_STORAGE is not set"),
                Hub: Get("hub", "TestHubName"),
                Partitions: int.Parse(Get("partitions", "4")),
                PartitionManager: Get("partition-manager", "table"),
                WorkerId: Get("worker-id", Environment.MachineName),
                UseAppLease: Get("app-lease", "true") == "true",
                AppName: Get("app-name", ""),
                MaxPollingMs: int.Parse(Get("max-polling-ms", "500")),
                MaxOrchestrations: int.Parse(Get("max-orchestrations", "0")),
                MaxActivities: int.Parse(Get("max-activities", "0")),
                BenchEntities: Get("entities", "false") == "true",
                // The extension's long-timer limits (6 days / 3 days); the suite shortens them.
                TimerMaxMs: double.Parse(Get("timer-max-ms", (6 * 24 * 3600_000.0).ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture),
                TimerIntervalMs: double.Parse(Get("timer-interval-ms", (3 * 24 * 3600_000.0).ToString(System.Globalization.CultureInfo.InvariantCulture)), System.Globalization.CultureInfo.InvariantCulture));
        }

        public static readonly StderrLoggerFactory Loggers = new();

        public AzureStorageOrchestrationServiceSettings ToSettings()
        {
            var settings = this.BaseSettings();
            // Benchmarks set the concurrency limits both engines run with; 0 keeps DT.AzureStorage's defaults.
            if (this.MaxOrchestrations > 0) settings.MaxConcurrentTaskOrchestrationWorkItems = this.MaxOrchestrations;
            if (this.MaxOrchestrations > 0) settings.MaxConcurrentTaskEntityWorkItems = this.MaxOrchestrations;
            if (this.MaxActivities > 0) settings.MaxConcurrentTaskActivityWorkItems = this.MaxActivities;
            // DT.Core dispatches its own entities only from a separate entity work-item queue.
            if (this.BenchEntities) settings.UseSeparateQueueForEntityWorkItems = true;
            return settings;
        }

        AzureStorageOrchestrationServiceSettings BaseSettings() => new()
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(this.Connection),
            TaskHubName = this.Hub,
            PartitionCount = this.Partitions,
            WorkerId = this.WorkerId,
            UseTablePartitionManagement = this.PartitionManager == "table",
            UseLegacyPartitionManagement = this.PartitionManager == "legacy",
            UseAppLease = this.UseAppLease,
            AppName = this.AppName,
            LoggerFactory = Loggers,
            MaxQueuePollingInterval = TimeSpan.FromMilliseconds(this.MaxPollingMs),
            LeaseAcquireInterval = TimeSpan.FromSeconds(2),
            LeaseRenewInterval = TimeSpan.FromSeconds(5),
            LeaseInterval = TimeSpan.FromSeconds(15),
            // A stopping worker keeps the control-queue messages it had just fetched invisible for this long
            // (default 5 min); hand-over scenarios would wait for them.
            ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(15),
        };
    }

    sealed class Harness
    {
        readonly HarnessOptions options;
        readonly AzureStorageOrchestrationService service;
        readonly TaskHubClient client;
        readonly SemaphoreSlim stdout = new(1, 1);
        TaskHubWorker? worker;

        public Harness(HarnessOptions options)
        {
            this.options = options;
            this.service = new AzureStorageOrchestrationService(options.ToSettings());
            this.client = new TaskHubClient(this.service, null, HarnessOptions.Loggers);
            Activities.Announce = (name, input) => this.WriteAsync(new JObject { ["event"] = "activity", ["name"] = name, ["input"] = input, ["worker"] = options.WorkerId });
        }

        public async Task RunAsync()
        {
            await this.WriteAsync(new JObject { ["event"] = "ready" });
            string? line;
            var pending = new List<Task>();
            while ((line = await Console.In.ReadLineAsync()) != null)
            {
                if (line.Trim().Length == 0) continue;
                var request = JObject.Parse(line);
                // Requests run concurrently; replies carry the request id.
                pending.Add(Task.Run(() => this.HandleAsync(request)));
            }
            await Task.WhenAll(pending);
            if (this.worker != null) await this.worker.StopAsync(true);
        }

        async Task HandleAsync(JObject request)
        {
            var reply = new JObject { ["id"] = request["id"] };
            try
            {
                reply["result"] = await this.ExecuteAsync(request);
                reply["ok"] = true;
            }
            catch (Exception e)
            {
                reply["ok"] = false;
                reply["error"] = e.ToString();
            }
            await this.WriteAsync(reply);
        }

        async Task WriteAsync(JObject message)
        {
            await this.stdout.WaitAsync();
            try
            {
                Console.Out.WriteLine(message.ToString(Formatting.None));
                Console.Out.Flush();
            }
            finally
            {
                this.stdout.Release();
            }
        }

        static object? Payload(JObject request, string key)
        {
            // Payloads arrive as JSON text; handing DT.Core a JToken makes its serializer write the same JSON back.
            var text = (string?)request[key];
            return text == null ? null : JToken.Parse(text);
        }

        static OrchestrationInstance Instance(JObject request) =>
            new() { InstanceId = (string)request["instanceId"]!, ExecutionId = (string?)request["executionId"] };

        async Task<JToken?> ExecuteAsync(JObject request)
        {
            switch ((string?)request["op"])
            {
                case "createHub":
                    await this.service.CreateIfNotExistsAsync();
                    return null;
                case "deleteHub":
                    await this.service.DeleteAsync();
                    return null;
                case "startWorker":
                    if (this.worker != null) throw new InvalidOperationException("worker already started");
                    // A fresh service per start: a stopped table partition manager cannot start again.
                    var workerService = new AzureStorageOrchestrationService(this.options.ToSettings());
                    // As the Functions extension does on host start.
                    await workerService.CreateIfNotExistsAsync();
                    this.worker = new TaskHubWorker(workerService, HarnessOptions.Loggers);
                    this.worker.AddTaskOrchestrations(Orchestrations.All());
                    this.worker.AddTaskOrchestrations(BenchFunctions.Orchestrations());
                    this.worker.AddTaskActivities(Activities.All());
                    this.worker.AddTaskActivities(BenchFunctions.Activities());
                    if (this.options.BenchEntities) this.worker.AddTaskEntities(BenchFunctions.Entities());
                    await this.worker.StartAsync();
                    // As the Functions extension does once its worker is started: failures carry their details.
                    this.worker.TaskActivityDispatcher.IncludeDetails = true;
                    this.worker.TaskOrchestrationDispatcher.IncludeDetails = true;
                    return null;
                case "stopWorker":
                    if (this.worker != null) await this.worker.StopAsync(true);
                    this.worker = null;
                    return null;
                case "create":
                {
                    var tags = request["tags"] is JObject t ? t.ToObject<Dictionary<string, string>>() : null;
                    var instance = await this.client.CreateOrchestrationInstanceAsync(
                        (string)request["name"]!, "", (string?)request["instanceId"] ?? Guid.NewGuid().ToString("N"), Payload(request, "input"), tags);
                    return JObject.FromObject(instance);
                }
                case "raise":
                    await this.client.RaiseEventAsync(Instance(request), (string)request["eventName"]!, Payload(request, "input"));
                    return null;
                case "terminate":
                    await this.client.TerminateInstanceAsync(Instance(request), (string?)request["reason"]);
                    return null;
                case "suspend":
                    await this.client.SuspendInstanceAsync(Instance(request), (string?)request["reason"]);
                    return null;
                case "resume":
                    await this.client.ResumeInstanceAsync(Instance(request), (string?)request["reason"]);
                    return null;
                case "state":
                {
                    var state = await this.client.GetOrchestrationStateAsync((string)request["instanceId"]!);
                    return state == null ? null : StateJson(state);
                }
                case "wait":
                {
                    var timeout = TimeSpan.FromMilliseconds((double?)request["timeoutMs"] ?? 60000);
                    var state = await this.client.WaitForOrchestrationAsync(Instance(request), timeout);
                    return state == null ? null : StateJson(state);
                }
                case "history":
                {
                    var state = await this.client.GetOrchestrationStateAsync((string)request["instanceId"]!);
                    if (state == null) return null;
                    var text = await this.client.GetOrchestrationHistoryAsync(state.OrchestrationInstance);
                    return JToken.Parse(text);
                }
                case "purge":
                {
                    var result = await this.service.PurgeInstanceHistoryAsync((string)request["instanceId"]!);
                    return new JObject { ["instancesDeleted"] = result.InstancesDeleted, ["rowsDeleted"] = result.RowsDeleted };
                }
                case "rewind":
                    // What the Functions extension's RewindAsync calls on Azure Storage (DT.Core 3.11.2's TaskHubClient has no rewind).
                    await this.service.RewindTaskOrchestrationAsync((string)request["instanceId"]!, (string?)request["reason"] ?? "");
                    return null;
                case "setFlaky":
                    Activities.FlakyFails = (bool)request["fails"]!;
                    return null;
                case "signalEntity":
                {
                    // As a DT.Core client signals: an EntityMessageEvent sent to the entity's instance (any execution).
                    var target = new OrchestrationInstance { InstanceId = new DurableTask.Core.Entities.EntityId((string)request["name"]!, (string)request["key"]!).ToString() };
                    DateTime? at = request["scheduledTime"] is JToken when && when.Type != JTokenType.Null ? DateTime.Parse((string)when!, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal) : null;
                    var signal = DurableTask.Core.Entities.ClientEntityHelpers.EmitOperationSignal(
                        target, Guid.NewGuid(), (string)request["operation"]!, (string?)request["input"], at.HasValue ? (at.Value, at.Value) : null);
                    await this.service.SendTaskOrchestrationMessageAsync(signal.AsTaskMessage());
                    return null;
                }
                case "entityState":
                {
                    var queries = ((DurableTask.Core.Entities.IEntityOrchestrationService)this.service).EntityBackendQueries!;
                    var meta = await queries.GetEntityAsync(new DurableTask.Core.Entities.EntityId((string)request["name"]!, (string)request["key"]!), true, false, CancellationToken.None);
                    return meta == null ? null : new JObject { ["state"] = meta.Value.SerializedState, ["lockedBy"] = meta.Value.LockedBy, ["backlog"] = meta.Value.BacklogQueueSize };
                }
                case "createMany":
                    await BenchVerbs.CreateManyAsync(this.client, request);
                    return null;
                case "entityBench":
                    return await BenchVerbs.EntityBenchAsync(this.service, request);
                case "memory":
                    return BenchVerbs.Memory();
                default:
                    throw new ArgumentException($"unknown op '{request["op"]}'");
            }
        }

        static JObject StateJson(OrchestrationState state) => new()
        {
            ["instanceId"] = state.OrchestrationInstance.InstanceId,
            ["executionId"] = state.OrchestrationInstance.ExecutionId,
            ["name"] = state.Name,
            ["status"] = state.OrchestrationStatus.ToString(),
            ["input"] = state.Input,
            ["output"] = state.Output,
            ["customStatus"] = state.Status,
            ["createdTime"] = state.CreatedTime,
            ["lastUpdatedTime"] = state.LastUpdatedTime,
            ["completedTime"] = state.CompletedTime,
            ["tags"] = state.Tags == null ? null : JObject.FromObject(state.Tags),
            ["failureDetails"] = state.FailureDetails == null ? null : JObject.FromObject(state.FailureDetails),
        };
    }
}
