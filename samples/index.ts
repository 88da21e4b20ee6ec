/** Entry point of the sample function app (package.json "main"): one module per pattern. */
import './functionChaining';
import './fanOutFanIn';
import './monitor';
import './humanInteraction';
import './counterEntity';
import './bankTransfer';
import './subOrchestrations';
import './httpStart';
import './registeredFunctions';
import './azureSubscriptions';
