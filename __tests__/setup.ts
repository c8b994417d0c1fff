// Gives every test cdktf's Testing matchers (toHaveResource, toHaveResourceWithProperties, …).
import 'cdktf/lib/testing/adapters/jest';
import { Testing } from 'cdktf';

Testing.setupJest();
