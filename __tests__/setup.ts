// Gives every test cdktf's Testing matchers (toHaveResource, toHaveResourceWithProperties, …).
import { Testing } from 'cdktf';

Testing.setupJest();
