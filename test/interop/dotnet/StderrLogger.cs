// DT.Core / DT.AzureStorage diagnostics to stderr, which the Node driver writes to a log file per harness.
using Microsoft.Extensions.Logging;

namespace Interop
{
    sealed class StderrLoggerFactory : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider) { }

        public ILogger CreateLogger(string categoryName) => new StderrLogger(categoryName);

        public void Dispose() { }

        sealed class StderrLogger : ILogger
        {
            readonly string category;

            public StderrLogger(string category) => this.category = category;

            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (!this.IsEnabled(logLevel)) return;
                var line = $"{DateTime.UtcNow:O} {logLevel} {this.category} {eventId.Name}: {formatter(state, exception)}";
                if (exception != null) line += " " + exception;
                lock (Console.Error) Console.Error.WriteLine(line);
            }
        }
    }
}
