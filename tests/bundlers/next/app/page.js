import Runner from "./runner";

export default function Page() {
  return (
    <main>
      <Runner />
    </main>
  );
}
