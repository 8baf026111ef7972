import { render } from 'preact';
import { App } from './components/app.js';
import { applyTheme, loadTheme } from './prefs.js';
import './styles.css';

applyTheme(loadTheme());
const root = document.getElementById('app');
if (root) render(<App />, root);
