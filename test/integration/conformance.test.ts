import { backendConformance, conformanceRegistry } from '../conformance/backendConformance';
import { startTestHub } from '../support/testHub';

backendConformance('Azure Storage (Azurite)', () => startTestHub(conformanceRegistry()));
