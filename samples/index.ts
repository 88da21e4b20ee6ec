/** Entry point of the sample function app (package.json "main"): one module per pattern. */
import './functionChaining';
import './httpStart';
