// Every shipped driver registers itself here (one import each).
import './fake/register.js';
import './local/register.js';
import './local-share/register.js';
import './netapp/ontap/register.js';
import './netapp/eseries/register.js';
import './fake-share/register.js';
