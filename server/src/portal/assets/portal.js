// Copy buttons: the value goes to the clipboard and the button (and screen readers) say so.
const announcer = document.querySelector('[data-announce]');

async function copy(button) {
  const value = button.dataset.copy;
  try {
    await navigator.clipboard.writeText(value);
  } catch {
    window.prompt('Copy this:', value);
    return;
  }
  const label = button.textContent;
  button.textContent = 'Copied';
  button.classList.add('copied');
  if (announcer) announcer.textContent = `Copied ${value}`;
  setTimeout(() => {
    button.textContent = label;
    button.classList.remove('copied');
  }, 2000);
}

for (const button of document.querySelectorAll('button[data-copy]')) {
  button.addEventListener('click', () => copy(button));
}
