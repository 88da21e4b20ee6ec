import { backendConformance, conformanceRegistry } from '../conformance/backendConformance';
import { startMemoryHub } from '../support/testHub';

backendConformance('memory', () => startMemoryHub(conformanceRegistry()));
